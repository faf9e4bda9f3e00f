from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="workflow",
    app="services.workflow.app:create_app",
    indexes="services.workflow.storage:ensure_indexes",
    relay_collections=("dossiers", "agencies", "procedures", "announcements"),
    consumer="services.workflow.consumers:build_runner",
    scheduler="services.workflow.dossiers.alerts:run",
)
