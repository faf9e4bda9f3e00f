"""How a provider answered an attempt it did not accept."""


class TemporaryDeliveryError(Exception):
    """The provider could not take the message now (down, busy, timed out, 4xx SMTP): another attempt later
    may succeed, so it is scheduled with backoff."""


class PermanentDeliveryError(Exception):
    """The provider refused the message for good (unknown mailbox, invalid number): never retried."""
