"""Notify: messages to applicants and officers (e-mail now; SMS and in-app inbox next) with their delivery
status. Every message is persisted before any attempt to send it."""

SERVICE = "notify"
