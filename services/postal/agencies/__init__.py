"""Read copy of the agency registry."""
