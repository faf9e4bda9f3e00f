"""gunicorn settings for every service API (gthread workers, see README "Processes").

Started by ``python -m services.<service> api``, which sets ``MOTCUA_SERVICE`` and the bind address.
No ``preload_app``: the app factory (MongoDB client, Kafka probe) must run in each worker after fork.
"""

import json
import logging
import os
import uuid

from gunicorn import util

from shared.api.errors import MESSAGES
from shared.config import get_settings
from shared.logging import logging_config
from shared.observability.metrics import gunicorn_child_exit

_settings = get_settings()

worker_class = "gthread"
workers = _settings.gunicorn_workers
threads = _settings.gunicorn_threads
worker_tmp_dir = "/dev/shm"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then as a guard against slow leaks, but rarely: a new worker re-imports the app
# (about a second of CPU), which under load showed up as latency spikes at 1,000 requests.
max_requests = 50_000
max_requests_jitter = 5_000
preload_app = False
accesslog = None  # requests are logged by the app, as JSON with the request id
# gunicorn 25.1+ opens a control socket for `gunicornc` at one path per user ($HOME/.gunicorn/gunicorn.ctl) in
# every master: each API (and each test deployment's) took it over from the last, and a read-only root filesystem
# (deploy/k8s) logged a failure at every start. Nothing here uses it; workers are managed by their signals.
control_socket_disable = True
logconfig_dict = logging_config(os.environ.get("MOTCUA_SERVICE", "motcua"), "api", _settings.log_level)
# Prometheus multiprocess mode: the launcher gives every start a fresh PROMETHEUS_MULTIPROC_DIR and a second
# listener on METRICS_PORT (shared/runtime.py); an exited worker's live gauges are dropped here.
child_exit = gunicorn_child_exit


# gunicorn answers the requests it refuses before the app sees them (a request line over limit_request_line, a
# malformed header) with an HTML page of its own; every answer of ours has the one JSON error shape
# (shared/api/errors.py), so its error writer is replaced in the gunicorn process.
limit_request_line = 8190  # the largest gunicorn allows: a long query reaches the app and gets a field message


def _json_error(sock, status_int, reason, mesg):
    """gunicorn's refusal as ours: code, status, the Vietnamese message and a request id, logged with the id
    (the request never reached the app, so this is the only line about it)."""
    request_id = uuid.uuid4().hex
    logging.getLogger("shared.api.app").info("refused by gunicorn %s", status_int, extra={
        "status": status_int, "detail": str(mesg)[:200], "request_id": request_id})
    body = json.dumps({"code": status_int, "status": reason, "message": MESSAGES.get(status_int, MESSAGES[400]),
                       "request_id": request_id}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"X-Request-ID: {request_id}\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin1")
    util.write_nonblock(sock, head + body)


util.write_error = _json_error
