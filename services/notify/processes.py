from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="notify",
    app="services.notify.app:create_app",
    indexes="services.notify.storage:ensure_indexes",
    consumer="services.notify.consumers:build_runner",
    # The sender: delivers persisted notifications, retries with backoff, sweeps interrupted attempts.
    scheduler="services.notify.delivery.sender:run",
)
