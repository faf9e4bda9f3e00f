"""Reporting: the read model of how well the service serves — the Decision 766/QĐ-TTg index (live), the Circular
01/2018 scores of agencies and staff, ratings and petitions — and the managers' reports.

Why a service of its own: its data is *derived*. It folds the domain's history (the topics of intake, the workflow
and the feedback service) into its own collections with its own consumer group, and can be dropped and rebuilt by
replaying them from the start. Its queries (a province's year, every agency at once) must not load the
transactional services, its figures may run a few seconds behind them, and it scales and fails on its own: if it
stops, dossiers are still filed and processed, and it catches up where it left off. It publishes nothing.
"""

SERVICE = "reporting"
