from shared.runtime.processes import ServiceProcesses

PROCESSES = ServiceProcesses(
    service="payments",
    app="services.payments.app:create_app",
    indexes="services.payments.storage:ensure_indexes",
    relay_collections=("charges",),
    consumer="services.payments.consumers:build_runner",
    # Numbers receipts, sends refunds, settles orders whose notice never came, makes the daily reports.
    scheduler="services.payments.scheduler:run",
)
