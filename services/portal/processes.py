from shared.runtime.processes import ServiceProcesses

# One process: the web app under gunicorn (python -m services.portal api). No relay, no consumer.
PROCESSES = ServiceProcesses(
    service="portal",
    app="services.portal.app:create_app",
    indexes="services.portal.storage:ensure_indexes",
)
