"""The dossier's legal lifecycle in the workflow service."""
