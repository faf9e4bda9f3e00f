"""Shipments of dossiers and results through the public postal service."""
