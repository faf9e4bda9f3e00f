from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="feedback",
    app="services.feedback.app:create_app",
    indexes="services.feedback.storage:ensure_indexes",
    relay_collections=("ratings", "petitions"),
    consumer="services.feedback.consumers:build_runner",
    # Due-soon and overdue alerts on petitions, like the workflow's on dossiers (leader only).
    scheduler="services.feedback.petitions.alerts:run",
)
