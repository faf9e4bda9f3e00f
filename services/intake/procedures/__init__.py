"""Intake's read copy of the catalogue (from the workflow's publication events): what may be filed where."""
