from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="sync",
    app="services.sync.app:create_app",
    indexes="services.sync.storage:ensure_indexes",
    relay_collections=("mirrors",),
    consumer="services.sync.consumers:build_runner",
    # Pushes what the National Public Service Portal does not hold yet; compares with what it holds.
    scheduler="services.sync.scheduler:run",
)
