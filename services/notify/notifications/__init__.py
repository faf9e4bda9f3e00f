"""Notifications: templates, the delivery state machine, the e-mail channel."""
