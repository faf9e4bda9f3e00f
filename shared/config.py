"""Configuration from environment variables, in one place.

Every variable the system reads is declared below with its default and a one-line description; the README's
configuration table lists the same variables (a test keeps them in step). Read settings once per process
with :func:`get_settings`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENVIRONMENTS = ("development", "test", "production")
MINUTES_PER_DAY = 24 * 60


def setting(env: str, default: Any, help: str) -> Any:  # noqa: A002 - "help" reads best in the declarations
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    env: str = setting("MOTCUA_ENV", "development", "development, test or production; production refuses dev keys")
    log_level: str = setting("LOG_LEVEL", "INFO", "Python log level of every process")
    document_checks: bool = setting(
        "DOCUMENT_CHECKS", True,
        "check every document the aggregate runner reads or writes against its declared shape (never in production)"
    )

    mongo_uri: str = setting("MONGO_URI", "mongodb://127.0.0.1:27017/", "MongoDB (or FerretDB) connection string")
    mongo_db_prefix: str = setting(
        "MONGO_DB_PREFIX", "motcua", "database name prefix; each service uses its own database <prefix>_<service>"
    )

    kafka_bootstrap_servers: str = setting("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "Kafka bootstrap servers")
    kafka_topic_prefix: str = setting("KAFKA_TOPIC_PREFIX", "motcua.", "prefix of every topic name")
    kafka_topic_partitions: int = setting("KAFKA_TOPIC_PARTITIONS", 3, "partitions of topics created by motcua")
    kafka_replication_factor: int = setting("KAFKA_REPLICATION_FACTOR", 1, "replication factor of created topics")

    consumer_local_attempts: int = setting(
        "CONSUMER_LOCAL_ATTEMPTS", 3, "tries of a failing handler inside the consumer before the retry topic"
    )
    consumer_session_timeout_seconds: float = setting(
        "CONSUMER_SESSION_TIMEOUT_SECONDS", 10.0, "a consumer silent this long leaves its group (heartbeats: a third)"
    )
    consumer_max_poll_interval_seconds: float = setting(
        "CONSUMER_MAX_POLL_INTERVAL_SECONDS", 300.0,
        "the longest one batch may take: a consumer busier than this is taken out of its group"
    )
    consumer_retry_delay_seconds: float = setting(
        "CONSUMER_RETRY_DELAY_SECONDS", 10.0, "delay before the first pass through <topic>.retry (doubles each pass)"
    )
    consumer_max_retries: int = setting(
        "CONSUMER_MAX_RETRIES", 3, "passes through <topic>.retry before an event goes to <topic>.dlq"
    )

    relay_poll_interval_seconds: float = setting(
        "RELAY_POLL_INTERVAL_SECONDS", 0.05, "how often an idle outbox relay looks for pending events"
    )
    relay_lease_seconds: float = setting(
        "RELAY_LEASE_SECONDS", 30.0, "how long a relay owns a document it is publishing before another may take it"
    )
    relay_batch_size: int = setting("RELAY_BATCH_SIZE", 200, "documents a relay claims per round")
    relay_concurrency: int = setting(
        "RELAY_CONCURRENCY", 4, "database round trips (claims, clears) a relay has in flight at once"
    )
    relay_sweep_interval_seconds: float = setting(
        "RELAY_SWEEP_INTERVAL_SECONDS", 15.0, "how often the relay scans for pending events whose wake-up was lost"
    )

    work_shifts: str = setting(
        "WORK_SHIFTS", "07:30-11:30,13:00-17:00", "office hours, by shift: what a working day and hour count"
    )
    handover_cutoff: str = setting(
        "HANDOVER_CUTOFF", "15:00", "dossiers received after this hour count from the next working day"
    )
    due_soon_working_hours: int = setting(
        "DUE_SOON_WORKING_HOURS", 8, "a deadline this many office hours away is 'due soon' (alerts, queue filter)"
    )
    form_numbers: str = setting(
        "FORM_NUMBERS", "", "override form numbers per rule set, e.g. nd118-2025:apology=04,nd118-2025:stop_notice=05"
    )
    scheduler_interval_seconds: float = setting(
        "SCHEDULER_INTERVAL_SECONDS", 60.0, "how often the workflow scheduler looks for due-soon and late work"
    )

    auth_issuer: str = setting("AUTH_ISSUER", "motcua", "issuer (iss) of access tokens")
    auth_audience: str = setting("AUTH_AUDIENCE", "motcua", "audience (aud) of access tokens")
    auth_signing_key_file: str = setting(
        "AUTH_SIGNING_KEY_FILE", "", "Ed25519 private key (PEM) that signs tokens; only the intake service needs it"
    )
    auth_verify_key_files: str = setting(
        "AUTH_VERIFY_KEY_FILES", "", "comma-separated Ed25519 public keys (PEM) every service verifies tokens with"
    )
    auth_dev_key_dir: str = setting(
        "AUTH_DEV_KEY_DIR", ".run/keys", "outside production: where a key pair is generated when no key file is set"
    )
    auth_token_ttl_seconds: int = setting("AUTH_TOKEN_TTL_SECONDS", 3600, "lifetime of an access token")

    smtp_host: str = setting("SMTP_HOST", "127.0.0.1", "SMTP relay for e-mail")
    smtp_port: int = setting("SMTP_PORT", 8025, "SMTP port")
    smtp_starttls: bool = setting("SMTP_STARTTLS", False, "use STARTTLS with the SMTP relay")
    smtp_username: str = setting("SMTP_USERNAME", "", "SMTP login (empty: no authentication)")
    smtp_password: str = setting("SMTP_PASSWORD", "", "SMTP password")
    smtp_timeout_seconds: float = setting("SMTP_TIMEOUT_SECONDS", 10.0, "SMTP connect and command timeout")
    mail_from: str = setting(
        "MAIL_FROM", "Bộ phận Một cửa <motcua@localhost>", "sender of e-mails to applicants and officers"
    )
    public_portal_url: str = setting(
        "PUBLIC_PORTAL_URL", "http://127.0.0.1:8080",
        "the portal's public base URL: look-up and rating links in messages, QR codes on forms"
    )

    sms_gateway_url: str = setting(
        "SMS_GATEWAY_URL", "http://127.0.0.1:8090", "SMS gateway HTTP API (the simulator in development and tests)"
    )
    sms_gateway_api_key: str = setting("SMS_GATEWAY_API_KEY", "dev-sms-key", "API key sent to the SMS gateway")
    sms_sender_name: str = setting("SMS_SENDER_NAME", "MOTCUA", "brand name the SMS are sent under")
    sms_callback_url: str = setting(
        "SMS_CALLBACK_URL", "http://127.0.0.1:8083/sms/receipts", "where the gateway posts delivery receipts"
    )
    sms_callback_secret: str = setting(
        "SMS_CALLBACK_SECRET", "dev-sms-callback-secret", "shared secret signing the gateway's delivery receipts"
    )
    sms_unicode: bool = setting(
        "SMS_UNICODE", False, "send SMS in Unicode (UCS-2, 70 characters a part) instead of folding to GSM-7"
    )
    sms_quiet_hours: str = setting(
        "SMS_QUIET_HOURS", "22:00-06:00", "Hà Nội time when no SMS is sent (held until the end); empty: none"
    )
    sms_receipt_timeout_seconds: float = setting(
        "SMS_RECEIPT_TIMEOUT_SECONDS", 3600.0, "an accepted SMS without a delivery receipt after this is checked"
    )
    notify_rate_email_per_second: int = setting(
        "NOTIFY_RATE_EMAIL_PER_SECOND", 50, "e-mails handed to the SMTP relay per second, all senders together"
    )
    notify_rate_sms_per_second: int = setting(
        "NOTIFY_RATE_SMS_PER_SECOND", 20, "SMS handed to the gateway per second, all senders together"
    )
    notify_max_attempts: int = setting(
        "NOTIFY_MAX_ATTEMPTS", 6, "attempts at a message before it ends as technical-failure"
    )
    notify_retry_base_seconds: float = setting(
        "NOTIFY_RETRY_BASE_SECONDS", 30.0, "wait before the second attempt; doubles each attempt (capped at 6 h)"
    )
    notify_poll_interval_seconds: float = setting(
        "NOTIFY_POLL_INTERVAL_SECONDS", 0.2, "how often an idle notify sender looks for messages due"
    )
    notify_send_concurrency: int = setting(
        "NOTIFY_SEND_CONCURRENCY", 8, "messages one notify sender has in flight at once"
    )
    notify_lease_seconds: float = setting(
        "NOTIFY_LEASE_SECONDS", 60.0, "how long a sender owns a message it is sending before the sweeper takes it"
    )
    notify_sweep_interval_seconds: float = setting(
        "NOTIFY_SWEEP_INTERVAL_SECONDS", 30.0, "how often the sweeper looks for messages stuck in sending"
    )
    notify_digest_minutes: int = setting(
        "NOTIFY_DIGEST_MINUTES", 60,
        "officers get their due-soon, overdue and newly assigned dossiers as one message per period of this many "
        "minutes (periods aligned to the Hà Nội clock from midnight), sent when the period ends"
    )

    postal_provider_url: str = setting(
        "POSTAL_PROVIDER_URL", "http://127.0.0.1:8091", "postal provider API (the simulator in development and tests)"
    )
    postal_provider_api_key: str = setting(
        "POSTAL_PROVIDER_API_KEY", "dev-postal-key", "API key for the postal provider"
    )
    postal_webhook_url: str = setting(
        "POSTAL_WEBHOOK_URL", "http://127.0.0.1:8084/provider/webhooks", "where the provider posts status updates"
    )
    postal_webhook_secret: str = setting(
        "POSTAL_WEBHOOK_SECRET", "dev-postal-webhook-secret", "shared secret signing the provider's status updates"
    )
    postal_dispatch_interval_seconds: float = setting(
        "POSTAL_DISPATCH_INTERVAL_SECONDS", 1.0, "how often the postal scheduler registers new shipments"
    )
    postal_reconcile_after_seconds: float = setting(
        "POSTAL_RECONCILE_AFTER_SECONDS", 21600.0, "a shipment silent this long is looked up (missed webhooks)"
    )

    rating_window_days: int = setting(
        "RATING_WINDOW_DAYS", 30, "days after the result is returned during which the applicant may rate the dossier"
    )
    reporting_flush_seconds: float = setting(
        "REPORTING_FLUSH_SECONDS", 5.0,
        "how often the reporting read model writes what it folded while events keep coming (its figures' delay)"
    )
    reporting_flush_records: int = setting(
        "REPORTING_FLUSH_RECORDS", 20000,
        "the reporting read model writes sooner once this many records changed, and folds no further ahead of a write"
    )
    index_766_points: str = setting(
        "INDEX_766_POINTS",
        "1.1=4,1.2=4,1.3=5,1.4=5,2.1=20,3.1=4,3.2=4,3.3=6,3.5=4,3.6=4,4.1=5,4.2=6,4.3=5,4.4=3,4.5=3,5.2=6,5.3=6,5.4=6",
        "Decision 766 index: maximum points per indicator (groups of 18, 20, 22, 22 and 18 points, 100 in all)",
    )
    index_766_full_marks: str = setting(
        "INDEX_766_FULL_MARKS", "default=80,3.3=50,5.4=90",
        "Decision 766 index: the rate (%) at which an indicator earns full marks; below it, rate x max / threshold",
    )

    payment_gateway_url: str = setting(
        "PAYMENT_GATEWAY_URL", "http://127.0.0.1:8092", "payment gateway API (the simulator in development and tests)"
    )
    payment_merchant_code: str = setting(
        "PAYMENT_MERCHANT_CODE", "MOTCUA01", "merchant (terminal) code of the one-stop system at the payment gateway"
    )
    payment_gateway_secret: str = setting(
        "PAYMENT_GATEWAY_SECRET", "dev-payment-secret",
        "HMAC key shared with the payment gateway (orders, callbacks, queries); production refuses the default",
    )
    payment_ipn_url: str = setting(
        "PAYMENT_IPN_URL", "http://127.0.0.1:8087/gateway/ipn", "where the gateway posts its signed payment notices"
    )
    payment_return_url: str = setting(
        "PAYMENT_RETURN_URL", "http://127.0.0.1:8080/thanh-toan/ket-qua",
        "where the gateway sends the payer's browser back (a portal page; never trusted on its own)",
    )
    payment_order_ttl_seconds: int = setting(
        "PAYMENT_ORDER_TTL_SECONDS", 900, "how long a payment order can be paid at the gateway"
    )
    payment_reconcile_after_seconds: float = setting(
        "PAYMENT_RECONCILE_AFTER_SECONDS", 600.0, "an order pending this long is asked about at the gateway"
    )
    payment_interval_seconds: float = setting(
        "PAYMENT_INTERVAL_SECONDS", 1.0, "how often the payments scheduler issues receipts and sends refunds"
    )
    payment_report_after: str = setting(
        "PAYMENT_REPORT_AFTER", "01:00", "Hà Nội time after which yesterday's reconciliation reports are made"
    )

    national_portal_url: str = setting(
        "NATIONAL_PORTAL_URL", "http://127.0.0.1:8093",
        "National Public Service Portal sync API (the simulator in development and tests)",
    )
    national_portal_client_id: str = setting(
        "NATIONAL_PORTAL_CLIENT_ID", "motcua-dev", "client id of this system at the National Public Service Portal"
    )
    national_portal_client_secret: str = setting(
        "NATIONAL_PORTAL_CLIENT_SECRET", "dev-portal-secret",
        "client secret at the National Public Service Portal; production refuses the default",
    )
    national_portal_timeout_seconds: float = setting(
        "NATIONAL_PORTAL_TIMEOUT_SECONDS", 10.0, "how long a call to the National Public Service Portal may take"
    )
    sync_batch_size: int = setting("SYNC_BATCH_SIZE", 200, "dossiers pushed to the national portal per call")
    sync_push_interval_seconds: float = setting(
        "SYNC_PUSH_INTERVAL_SECONDS", 0.5, "how often an idle sync pusher looks for dossiers to push"
    )
    sync_retry_max_seconds: float = setting(
        "SYNC_RETRY_MAX_SECONDS", 300.0, "longest wait before pushing a dossier again after failures (doubling)"
    )
    sync_failing_after: int = setting(
        "SYNC_FAILING_AFTER", 5, "failed pushes in a row before a dossier is reported as not synchronised"
    )
    sync_reconcile_interval_seconds: float = setting(
        "SYNC_RECONCILE_INTERVAL_SECONDS", 300.0, "how often what the national portal holds is compared with ours"
    )

    upload_max_file_bytes: int = setting(
        "UPLOAD_MAX_FILE_BYTES", 10_485_760, "largest file an applicant or officer may upload (bytes)"
    )
    upload_max_dossier_bytes: int = setting(
        "UPLOAD_MAX_DOSSIER_BYTES", 52_428_800, "largest total of the files of one dossier, supplements included"
    )

    portal_port: int = setting("PORTAL_PORT", 8080, "HTTP port of the web portal (citizens and officers)")
    intake_url: str = setting("INTAKE_URL", "http://127.0.0.1:8081", "where the portal reaches the intake API")
    workflow_url: str = setting("WORKFLOW_URL", "http://127.0.0.1:8082", "where the portal reaches the workflow API")
    notify_url: str = setting("NOTIFY_URL", "http://127.0.0.1:8083", "where the portal reaches the notify API")
    postal_url: str = setting("POSTAL_URL", "http://127.0.0.1:8084", "where the portal reaches the postal API")
    feedback_url: str = setting("FEEDBACK_URL", "http://127.0.0.1:8085", "where the portal reaches the feedback API")
    reporting_url: str = setting(
        "REPORTING_URL", "http://127.0.0.1:8086", "where the portal reaches the reporting API"
    )
    payments_url: str = setting(
        "PAYMENTS_URL", "http://127.0.0.1:8087", "where the portal reaches the payments API"
    )
    portal_api_timeout_seconds: float = setting(
        "PORTAL_API_TIMEOUT_SECONDS", 15.0, "how long the portal waits for an API before showing an error page"
    )

    intake_port: int = setting("INTAKE_PORT", 8081, "HTTP port of the intake API")
    workflow_port: int = setting("WORKFLOW_PORT", 8082, "HTTP port of the workflow API")
    notify_port: int = setting("NOTIFY_PORT", 8083, "HTTP port of the notify API")
    postal_port: int = setting("POSTAL_PORT", 8084, "HTTP port of the postal API")
    feedback_port: int = setting("FEEDBACK_PORT", 8085, "HTTP port of the feedback API (ratings, petitions)")
    reporting_port: int = setting("REPORTING_PORT", 8086, "HTTP port of the reporting API (indicators, reports)")
    payments_port: int = setting("PAYMENTS_PORT", 8087, "HTTP port of the payments API")
    sync_port: int = setting("SYNC_PORT", 8088, "HTTP port of the sync API (the National Public Service Portal mirror)")
    bind_host: str = setting("BIND_HOST", "127.0.0.1", "address the APIs listen on (0.0.0.0 in containers)")
    gunicorn_workers: int = setting("GUNICORN_WORKERS", 2, "gunicorn worker processes per API")
    gunicorn_threads: int = setting("GUNICORN_THREADS", 4, "threads per gunicorn worker (gthread)")
    max_request_bytes: int = setting("MAX_REQUEST_BYTES", 1_048_576, "largest accepted request body")
    proxy_hops: int = setting(
        "PROXY_HOPS", 0, "proxies in front of an API or the portal that append the client's address to "
        "X-Forwarded-For (the ingress; the portal, in front of the APIs); 0 trusts the header from no one")
    readiness_interval_seconds: float = setting(
        "READINESS_INTERVAL_SECONDS", 2.0, "how often each API process checks MongoDB and Kafka in the background")
    readiness_timeout_seconds: float = setting(
        "READINESS_TIMEOUT_SECONDS", 1.0, "the longest one dependency check may take before it counts as failed")

    metrics_port: int = setting(
        "METRICS_PORT", 9464,
        "port of every process's Prometheus /metrics (APIs: a second gunicorn listener); 0: none",
    )
    tracing_otlp_endpoint: str = setting(
        "TRACING_OTLP_ENDPOINT", "", "OTLP/HTTP collector base URL traces are sent to; empty: tracing off",
    )
    tracing_sample_ratio: float = setting(
        "TRACING_SAMPLE_RATIO", 1.0, "share of new traces recorded (0.0-1.0); a trace begun upstream keeps its choice",
    )

    clock_offset_seconds: float = setting(
        "MOTCUA_CLOCK_OFFSET_SECONDS", 0.0, "tests only: shift the business clock of every process (seconds)"
    )
    failpoints: str = setting(
        "MOTCUA_FAILPOINTS", "", "tests only: comma-separated failpoints to trigger, e.g. relay.after_publish=kill"
    )

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"MOTCUA_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}")
        if not 1 <= self.notify_digest_minutes <= MINUTES_PER_DAY:
            raise ConfigError(f"NOTIFY_DIGEST_MINUTES must be 1 to {MINUTES_PER_DAY}, not {self.notify_digest_minutes}")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def secret(self, name: str) -> str:
        """A secret setting (``name`` is the attribute). Production refuses an empty one or the development
        default, as it refuses to make up token keys (shared/auth/tokens.py)."""
        value = getattr(self, name)
        field_ = next(f for f in dataclasses.fields(self) if f.name == name)
        if self.is_production and (not value or value == field_.default):
            raise ConfigError(f"{field_.metadata['env']} must be set to a real secret in production")
        return value

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def database_name(self, service: str) -> str:
        return f"{self.mongo_db_prefix}_{service}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f.metadata["env"])
            if raw is not None:
                values[f.name] = _cast(f, raw)
        values.update(overrides)
        return cls(**values)

    def as_env(self) -> dict[str, str]:
        """The settings as environment variables, to hand to a child process."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.metadata["env"]] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out


class ConfigError(ValueError):
    pass


def _cast(f: dataclasses.Field, raw: str) -> Any:
    kind = type(f.default)
    try:
        if kind is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{f.metadata['env']}={raw!r} is not a valid {kind.__name__}") from None


def documented_variables() -> list[tuple[str, Any, str]]:
    """(variable, default, description) for every setting, in declaration order."""
    return [(f.metadata["env"], f.default, f.metadata["help"]) for f in dataclasses.fields(Settings)]


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env()
