from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="reporting",
    app="services.reporting.app:create_app",
    indexes="services.reporting.storage:ensure_indexes",
    # The projector: folds the domain's topics into the read model (one replica at a time, behind a lease).
    consumer="services.reporting.consumers:build_runner",
)
