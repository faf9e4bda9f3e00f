"""The receiving agency's queue of dossiers waiting for the one-stop desk."""
