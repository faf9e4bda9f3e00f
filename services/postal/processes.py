from shared.runtime import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="postal",
    app="services.postal.app:create_app",
    indexes="services.postal.storage:ensure_indexes",
    consumer="services.postal.consumers:build_runner",
)
