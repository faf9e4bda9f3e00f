"""Files attached to dossiers: uploaded once, stored once by content hash, typed by their content, downloaded
only by the applicant who uploaded them and the officers of the dossier's agencies."""
