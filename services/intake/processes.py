from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="intake",
    app="services.intake.app:create_app",
    indexes="services.intake.storage:ensure_indexes",
    relay_collections=("dossiers", "postal_filings"),
    consumer="services.intake.consumers:build_runner",
)
