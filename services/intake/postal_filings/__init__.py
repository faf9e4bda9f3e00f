"""Filing by post: an applicant asks the public postal service to collect their dossier (Decision 45/2016)."""
