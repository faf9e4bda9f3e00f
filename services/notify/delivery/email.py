"""The e-mail channel: SMTP to the configured relay (the local SMTP server in development and tests)."""

from __future__ import annotations

import smtplib
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from services.notify.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError


class SmtpSender:
    def __init__(self, settings) -> None:
        self.settings = settings

    def send(self, *, message_id: str, to: str, subject: str, text: str, html: str,
             headers: dict[str, str]) -> str:
        """Hands the message to the SMTP relay; returns the provider reference (the Message-ID)."""
        # The legacy MIME classes with email.header.Header, not EmailMessage: CPython 3.11's modern folder drops
        # the space between two RFC 2047 encoded words when it folds a long Vietnamese subject
        # ("hẹn trả" arrives as "hẹntrả"); Header puts the spaces inside the encoded words.
        msg = MIMEMultipart("alternative")
        name, address = parseaddr(self.settings.mail_from)
        msg["From"] = formataddr((name, address), charset="utf-8")
        msg["To"] = to
        msg["Subject"] = Header(subject, "utf-8")
        msg["Date"] = formatdate(localtime=False)
        # Deterministic per notification: a message re-sent after a crash carries the same id, which lets the
        # receiving side recognise it.
        msg["Message-ID"] = f"<{message_id}@motcua>"
        for header, value in headers.items():
            msg[header] = value
        msg.attach(MIMEText(text, "plain", "utf-8"))
        msg.attach(MIMEText(html, "html", "utf-8"))
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
