"""Vocabulary of the one-stop mechanism that every service speaks: statuses, channels, identifiers."""
