"""Notifications: what is sent to whom for each event (planner), persisted before sending (service), their
statuses and the API to follow and resend them."""
