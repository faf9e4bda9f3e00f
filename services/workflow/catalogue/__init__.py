"""The procedure catalogue and the agency registry, versioned and published to the other services."""
