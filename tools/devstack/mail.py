"""The local SMTP server: accepts every message and keeps it in a Maildir, so e-mails can be read back
(by a developer with `make mail`, by the tests with :func:`read_messages`).

    python -m tools.devstack.mail serve --port 8025 --maildir .run/mail
    python -m tools.devstack.mail list  --maildir .run/mail

To rehearse failures, recipients on two reserved domains are answered like a real relay would:
``@reject.invalid`` gets ``550`` (permanent failure) and ``@defer.invalid`` gets ``451`` (try again later).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import signal
import threading
from email.message import EmailMessage
from pathlib import Path

REJECT_DOMAIN = "reject.invalid"
DEFER_DOMAIN = "defer.invalid"


class MaildirHandler:
    def __init__(self, maildir: Path) -> None:
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd API
        domain = address.rpartition("@")[2].lower()
        if domain == REJECT_DOMAIN:
            return "550 5.1.1 Mailbox does not exist"
        if domain == DEFER_DOMAIN:
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self.lock:
            self.maildir.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def read_messages(maildir: Path) -> list[EmailMessage]:
    """Every message the server received, oldest first, parsed with the modern e-mail API (``msg["Subject"]``
    decoded, ``msg.get_body(("plain",)).get_content()`` as text)."""
    if not Path(maildir).exists():
        return []
    box = mailbox.Maildir(maildir, create=False)
    received = []
    for key in box.iterkeys():
        delivered_at = box.get_message(key).get_date()
        parsed = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        received.append((delivered_at, key, parsed))
    return [message for _, _, message in sorted(received, key=lambda item: item[:2])]


def serve(port: int, maildir: Path) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(MaildirHandler(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp: listening on 127.0.0.1:{port}, storing mail in {maildir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.devstack.mail")
    parser.add_argument("command", choices=("serve", "list"))
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port, args.maildir)
        return 0
    messages = read_messages(args.maildir)
    for message in messages:
        print(f"{message['Date']}\t{message['To']}\t{message['Subject']}")
    print(f"{len(messages)} message(s) in {args.maildir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
