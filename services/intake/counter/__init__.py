"""The one-stop counter: dossiers handed in by walk-in applicants or authorised persons."""
