"""Notify: messages to applicants and officers — e-mail, SMS and the in-app inbox — with their delivery
status. Every message is persisted before any attempt to send it; the consumer persists, the sender
(the ``scheduler`` process) delivers."""

SERVICE = "notify"
