"""The e-mail channel: SMTP to the configured relay (the local SMTP server in development and tests)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate


class TemporaryDeliveryError(Exception):
    """The provider could not take the message now (down, busy, 4xx); sending again later may succeed."""


class PermanentDeliveryError(Exception):
    """The provider refused the message for good (5xx: unknown mailbox, rejected content)."""


class SmtpSender:
    def __init__(self, settings) -> None:
        self.settings = settings

    def send(self, *, message_id: str, to: str, subject: str, text: str, html: str,
             headers: dict[str, str]) -> str:
        """Hands the message to the SMTP relay; returns the provider reference (the Message-ID)."""
        msg = EmailMessage()
        msg["From"] = self.settings.mail_from
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        # Deterministic per notification: a message re-sent after a crash carries the same id, which lets the
        # receiving side recognise it.
        msg["Message-ID"] = f"<{message_id}@motcua>"
        for name, value in headers.items():
            msg[name] = value
        msg.set_content(text, charset="utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8")
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentDeliveryError(f"recipient refused: {exc.recipients}") from exc
            raise TemporaryDeliveryError(f"recipient deferred: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentDeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryDeliveryError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out
            raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return msg["Message-ID"]
