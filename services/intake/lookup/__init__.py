"""Public look-up of a dossier by its code, without signing in."""
