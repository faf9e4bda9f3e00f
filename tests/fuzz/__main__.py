"""`make fuzz`: every service's OpenAPI document against the service itself, with Schemathesis (`--checks all`).

    python -m tests.fuzz [--examples N] [--seed S] [--service NAME ...]

Starts the whole system on free ports in a temporary directory (real Kafka, FerretDB, the services under
gunicorn) on the suite's pinned business clock, seeds the catalogue, files a real dossier and accepts it, and
makes a token for each role; then runs Schemathesis against each service in turn, every case sent with one of
those tokens (tests/fuzz/hooks.py), with the real identifiers among the generated ones so the fuzzing reaches
past "not found". Prints, per service, the requests sent, their status classes, server errors and contract
failures, and exits non-zero on any server error or failure, or when a service got fewer than 1,000 requests.

What the documents cannot say — business rules that refuse schema-valid data with a 422 — is listed, with the
reason, in tests/fuzz/schemathesis.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from shared.auth.roles import Role
from tests.support import factories
from tests.support.clock import BusinessClock
from tools.devstack.paths import REPO
from tools.devstack.stack import SERVICES, Ports, Stack

CONFIG = Path(__file__).with_name("schemathesis.toml")
MINIMUM_REQUESTS = 1000
DESK, HEALTH, POST_OFFICE = "000.00.01.H11", "000.00.15.H11", "700000"


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _prepare(stack: Stack) -> dict:
    """A real applicant with a dossier accepted at the desk, and a token of every role."""
    intake, workflow = stack.url("intake"), stack.url("workflow")
    settings = stack.settings()
    username, password = f"fuzz.{uuid.uuid4().hex[:8]}", "mat-khau-fuzz-2026"
    account = requests.post(f"{intake}/accounts/applicants", timeout=10, json={
        "username": username, "password": password, "full_name": "Nguyễn Thị Hoà"})
    account.raise_for_status()
    token = requests.post(f"{intake}/auth/token", timeout=10, json={"username": username, "password": password})
    applicant = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = factories.submission(receiving_agency_code=DESK)
    uploads = []
    for attachment in body["attachments"]:
        sent = requests.post(f"{intake}/uploads", headers=applicant, timeout=10, files={
            "file": (attachment["file_name"], factories.pdf_bytes(), "application/pdf")})
        sent.raise_for_status()
        uploads.append(sent.json()["id"])
    filed = requests.post(f"{intake}/dossiers", json=factories.referencing(body, uploads), headers=applicant,
                          timeout=10)
    filed.raise_for_status()
    dossier = filed.json()

    def officer(agency: str, role: Role) -> str:
        return factories.bearer(settings, factories.officer_principal(agency, role))["Authorization"]

    tokens = {"applicant": applicant["Authorization"], "counter_officer": officer(DESK, Role.COUNTER_OFFICER),
              "agency_head": officer(HEALTH, Role.AGENCY_HEAD), "specialist": officer(HEALTH, Role.SPECIALIST),
              "clerk": officer(HEALTH, Role.CLERK), "manager": officer(DESK, Role.MANAGER),
              "admin": officer(DESK, Role.ADMIN), "postal_staff": officer(POST_OFFICE, Role.POSTAL_STAFF)}
    desk = {"Authorization": tokens["counter_officer"]}
    deadline = time.monotonic() + 60
    while requests.get(f"{workflow}/dossiers/{dossier['id']}", headers=desk, timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError("the filed dossier did not reach the workflow")
        time.sleep(0.3)
    accepted = requests.post(f"{workflow}/dossiers/{dossier['id']}/accept", json={}, headers=desk, timeout=10)
    accepted.raise_for_status()
    secrets = {"sms": settings.sms_callback_secret, "postal": settings.postal_webhook_secret}
    return {"tokens": tokens, "secrets": secrets, "dossier": {"id": dossier["id"], "code": dossier["code"]}}


def _dictionaries(setup: dict, directory: Path) -> Path:
    """Real identifiers for the path parameters, mixed by Schemathesis with generated ones."""
    values = {
        "dossier_id": [setup["dossier"]["id"]],
        "code": [setup["dossier"]["code"], "1.001806"],
        "agency_code": [DESK, HEALTH],
        "post_office": [POST_OFFICE],
        "template_id": ["dossier-submitted", "dossier-accepted"],
    }
    lines = ["[parameters]"]
    lines += [f'"{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in values]
    lines += ["[dictionaries]"]
    lines += [f'{name} = {{ values = {json.dumps(items)} }}' for name, items in values.items()]
    path = directory / "parameters.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_service(service: str, url: str, examples: int, seed: int, env: dict, workdir: Path) -> dict:
    counts = workdir / f"{service}.counts.json"
    started = time.monotonic()
    command = [str(Path(sys.executable).with_name("schemathesis")),
               "--config-file", str(workdir / "schemathesis.toml"), "run", f"{url}/openapi.json",
               "--checks", "all", "--max-examples", str(examples), "--seed", str(seed),
               "--workers", "1", "--no-color", "--request-timeout", "20"]
    done = subprocess.run(command, env={**env, "MOTCUA_FUZZ_COUNTS": str(counts)}, cwd=REPO, text=True,
                          capture_output=True, check=False)
    output = done.stdout + done.stderr
    (workdir / f"{service}.txt").write_text(output)
    figures = json.loads(counts.read_text()) if counts.exists() else {}
    failures = re.search(r"(\d+) failures?,", output)
    return {"service": service, "requests": figures.get("requests", 0), "2xx": figures.get("2xx", 0),
            "4xx": figures.get("4xx", 0), "server errors": figures.get("server_errors", 0),
            "failures": int(failures.group(1)) if failures else (0 if done.returncode == 0 else -1),
            "seconds": round(time.monotonic() - started), "exit": done.returncode, "output": output}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", 40)),
                        help="generated cases per operation and phase (default 40)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 20261005)))
    parser.add_argument("--service", action="append", choices=SERVICES, help="only these (default: all four)")
    args = parser.parse_args(argv)
    BusinessClock().pin()  # the suite's pinned business clock: the services inherit it
    root = Path(tempfile.mkdtemp(prefix="motcua-fuzz-"))
    stack = Stack(root, ports=Ports.free())
    try:
        _say(f"starting Kafka, FerretDB and the services in {root}")
        stack.start_infrastructure()
        stack.start_services()
        stack.seed_catalogue()
        _say("a real applicant, a dossier accepted at the desk, a token of every role")
        setup = _prepare(stack)
        (root / "setup.json").write_text(json.dumps(setup))
        (root / "schemathesis.toml").write_text(CONFIG.read_text() + "\n" + _dictionaries(setup, root).read_text())
        env = {**os.environ, "PYTHONPATH": str(REPO), "MOTCUA_FUZZ_SETUP": str(root / "setup.json")}
        results = []
        for service in args.service or SERVICES:
            _say(f"fuzzing {service} ({args.examples} cases per operation and phase, seed {args.seed})")
            result = _run_service(service, stack.url(service), args.examples, args.seed, env, root)
            print(f"    {result['requests']} requests, {result['server errors']} server errors, "
                  f"{result['failures']} failures in {result['seconds']} s", flush=True)
            if result["exit"] != 0 or result["requests"] < MINIMUM_REQUESTS:
                print(result["output"][-6000:], flush=True)
            results.append(result)
    finally:
        stack.stop()
    print("\n  service     requests     2xx     4xx  server errors  contract failures  seconds")
    for r in results:
        print(f"  {r['service']:<10} {r['requests']:>9} {r['2xx']:>7} {r['4xx']:>7} {r['server errors']:>14} "
              f"{r['failures']:>18} {r['seconds']:>8}")
    print(f"\n  reports: {root}/<service>.txt")
    bad = [r["service"] for r in results
           if r["exit"] != 0 or r["server errors"] or r["failures"] or r["requests"] < MINIMUM_REQUESTS]
    if bad:
        print(f"\nfuzzing failed for: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
