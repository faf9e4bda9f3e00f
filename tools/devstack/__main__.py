"""`make run`: the whole system on this machine, until Ctrl-C.

    python -m tools.devstack run [--fresh]

Starts FerretDB, the SMTP server and Kafka, creates the topics, starts every service's processes (API under
gunicorn, relay, consumers), waits until each is healthy, seeds demo accounts, prints the URLs, then
supervises (tools/devstack/supervisor.py): a server or process that dies is restarted, at most three times a
minute. Ctrl-C (or SIGTERM) stops everything, services first.
Data is kept in .run/ between runs; --fresh starts from empty data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading

from services.intake.accounts.cli import DEMO_APPLICANT, DEMO_OFFICERS, DEMO_PASSWORD
from tools.devstack.paths import REPO, RUN, MissingPrerequisite
from tools.devstack.stack import PORTAL, SERVICES, Ports, Stack
from tools.devstack.supervisor import Supervisor


def _ports() -> Ports:
    env = os.environ
    return Ports(
        kafka=int(env.get("KAFKA_PORT", 9092)), kafka_controller=int(env.get("KAFKA_CONTROLLER_PORT", 9093)),
        mongo=int(env.get("MONGO_PORT", 27017)), smtp=int(env.get("SMTP_PORT", 8025)),
        sms_gateway=int(env.get("SMS_GATEWAY_PORT", 8090)),
        postal_provider=int(env.get("POSTAL_PROVIDER_PORT", 8091)),
        payment_gateway=int(env.get("PAYMENT_GATEWAY_PORT", 8092)),
        national_portal=int(env.get("NATIONAL_PORTAL_PORT", 8093)),
        intake=int(env.get("INTAKE_PORT", 8081)), workflow=int(env.get("WORKFLOW_PORT", 8082)),
        notify=int(env.get("NOTIFY_PORT", 8083)), postal=int(env.get("POSTAL_PORT", 8084)),
        feedback=int(env.get("FEEDBACK_PORT", 8085)), reporting=int(env.get("REPORTING_PORT", 8086)),
        payments=int(env.get("PAYMENTS_PORT", 8087)), sync=int(env.get("SYNC_PORT", 8088)),
        portal=int(env.get("PORTAL_PORT", 8080)),
        metrics=int(env.get("METRICS_PORT_BASE", 9460)),
    )


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(fresh: bool) -> int:
    if fresh and RUN.exists():
        shutil.rmtree(RUN)
    stack = Stack(RUN, ports=_ports())
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _step("starting FerretDB, the SMTP server, the simulators (SMS gateway, postal provider, payment gateway, "
              "National Public Service Portal) and Kafka")
        stack.start_infrastructure()
        for server in (stack.mongo, stack.mail, stack.sms, stack.postal_provider, stack.payment_gateway,
                       stack.national_portal, stack.kafka):
            print(f"    {server.managed.name:<15} up in {server.managed.started_in:4.1f}s, "
                  f"RSS {server.managed.rss_mb() or 0:5.0f} MB", flush=True)
        _step("starting the services (API, relay, consumers) and waiting until each is healthy")
        stack.start_services()
        _step("starting the web portal")
        stack.start_portal()
        _step("seed catalogue and demo accounts")
        print(stack.seed_catalogue(), flush=True)
        subprocess.run([sys.executable, "-m", "services.intake.accounts.cli", "seed-demo"], check=True,
                       env=stack.child_env(), cwd=REPO)
        _print_banner(stack)
        Supervisor(stack.supervised, say=lambda line: print(line, flush=True)).run(stop)
    except (MissingPrerequisite, RuntimeError, TimeoutError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    finally:
        _step("stopping")
        stack.stop()
        print("stopped.", flush=True)
    return 0


def _print_banner(stack: Stack) -> None:
    print("\nmotcua is running. Ctrl-C stops everything.\n")
    print(f"  {PORTAL:<9} {stack.url(PORTAL):<24} the web portal: citizens, officers (/can-bo), administrators")
    for service in SERVICES:
        url = stack.url(service)
        print(f"  {service:<9} {url:<24} OpenAPI {url}/openapi.json   explorer {url}/docs")
    print(f"\n  Kafka     {stack.kafka.bootstrap}")
    print(f"  MongoDB   {stack.mongo.uri} (FerretDB on SQLite, data in {stack.root / 'ferretdb'})")
    print(f"  SMTP      127.0.0.1:{stack.ports.smtp} (every e-mail is kept: `make mail` lists them)")
    print(f"  SMS       {stack.sms.url} (gateway simulator: `make sms` lists the SMS)")
    print(f"  Postal    {stack.postal_provider.url} (provider simulator: `make postal` lists the shipments)")
    print(f"  Payments  {stack.payment_gateway.url} (gateway simulator: `make payments` lists the orders)")
    print(f"  DVCQG     {stack.national_portal.url} (National Public Service Portal simulator: `make portal-sync`)")
    print(f"  Logs      {stack.root / 'logs'}/")
    print("  Metrics   " + ", ".join(f"{name} :{port}" for name, port in stack.metrics_ports.items())
          + " (http://127.0.0.1:<port>/metrics)")
    print(f"\n  Demo accounts (password {DEMO_PASSWORD}):")
    for username, name, roles, agency in DEMO_OFFICERS:
        print(f"    {username:<15} {', '.join(roles):<16} {agency}  {name}")
    print(f"    {DEMO_APPLICANT[0]:<15} {'applicant':<16} {'':<13}  {DEMO_APPLICANT[1]}")
    print("\n  Try it: README.md, sections 'Try it in the browser' and 'Try the flow with curl'.\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.devstack")
    parser.add_argument("command", choices=("run",))
    parser.add_argument("--fresh", action="store_true", help="start from empty data (deletes .run/)")
    args = parser.parse_args(argv)
    return run(args.fresh)


if __name__ == "__main__":
    raise SystemExit(main())
