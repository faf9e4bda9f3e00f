"""Intake: receiving dossiers on every channel, dossier codes, receipts, attachments, public look-up, and the
accounts applicants and officers sign in with."""

SERVICE = "intake"
