"""Officers' digests: their due-soon, overdue and newly assigned dossiers as one message per period."""
