"""Dossiers as filed: submission, dossier codes, the applicant's own view."""
