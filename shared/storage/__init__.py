"""MongoDB access: one database per service, the embedded outbox and its relay."""
