from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="postal",
    app="services.postal.app:create_app",
    indexes="services.postal.storage:ensure_indexes",
    relay_collections=("shipments",),
    consumer="services.postal.consumers:build_runner",
    # Registers requested shipments with the provider and catches up on missed webhooks.
    scheduler="services.postal.provider.dispatcher:run",
)
