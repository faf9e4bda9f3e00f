"""HTTP plumbing shared by the services' Flask apps: app assembly, errors, health, fields, pagination."""
