"""`make fuzz`: every service's OpenAPI document against the service itself, with Schemathesis (`--checks all`).

    python -m tests.fuzz [--examples N] [--seed S] [--service NAME ...]

Every service of the devstack (tools/devstack/stack.py SERVICES) that has a checked-in
``services/<name>/openapi.json`` is fuzzed; a new service is picked up without editing this file.

Starts the whole system on free ports in a temporary directory (real Kafka, FerretDB, the services under
gunicorn) on the suite's pinned business clock, seeds the catalogue, files a real dossier and accepts it, and
makes a token for each role; then runs Schemathesis against each service in turn, every case sent with one of
those tokens (tests/fuzz/hooks.py), with the real identifiers among the generated ones so the fuzzing reaches
past "not found". Prints, per service, the requests sent, their status classes, server errors and contract
failures, and exits non-zero on any server error or failure, or when a service got fewer than 1,000 requests.
The number of cases per operation grows for a service with few operations, and a service whose small inputs run
out of distinct cases first gets further rounds with the next seeds, so every service gets its 1,000 requests; the
seed is fixed (``--seed`` or ``FUZZ_SEED`` to change it) so a run in CI can be replayed.

What the documents cannot say — business rules that refuse schema-valid data with a 422 — is listed, with the
reason, in tests/fuzz/schemathesis.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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
# Cases per operation and phase: at least --examples, more for a service with few operations, so the generated
# (fuzzing-phase) cases alone aim at this many per service; the coverage and stateful phases add their own.
FUZZED_PER_SERVICE = 800
ROUNDS = 4  # at most, with seeds seed, seed+1, …, for a service short of its 1,000 requests
SUMMED = ("requests", "2xx", "3xx", "4xx", "5xx", "server errors", "failures", "errors", "seconds")
METHODS = ("get", "post", "put", "patch", "delete")
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


def fuzzed_services() -> list[str]:
    """The devstack's services that publish an OpenAPI document."""
    return [service for service in SERVICES if (REPO / "services" / service / "openapi.json").exists()]


def _operations(service: str) -> int:
    spec = json.loads((REPO / "services" / service / "openapi.json").read_text())
    return sum(1 for operations in spec["paths"].values() for method in operations if method in METHODS)


def examples_for(service: str, minimum: int) -> int:
    return max(minimum, -(-FUZZED_PER_SERVICE // max(1, _operations(service))))


def _section(output: str, title: str) -> str:
    """One ``=== TITLE ===`` section of Schemathesis' report (the failures, with their curl reproductions)."""
    found = re.search(rf"^=+ {title} =+$(.*?)(?=^=+ [A-Z]|\Z)", output, re.M | re.S)
    return found.group(1).strip("\n") if found else ""


def _run_service(service: str, url: str, examples: int, seed: int, env: dict, workdir: Path) -> dict:
    counts = workdir / f"{service}.counts.json"
    started = time.monotonic()
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file",
               str(workdir / "schemathesis.toml"), "run", f"{url}/openapi.json", "--checks", "all",
               "--max-examples", str(examples), "--seed", str(seed), "--workers", "1", "--no-color",
               "--request-timeout", "20"]
    # in the run's directory: Schemathesis keeps a cache of the crashes it found (and replays them) under its
    # working directory, which would make one run depend on the last; `st replay <id>` works from there
    done = subprocess.run(command, env={**env, "MOTCUA_FUZZ_COUNTS": str(counts)}, cwd=workdir, text=True,
                          capture_output=True, check=False)
    output = done.stdout + done.stderr
    (workdir / f"{service}.txt").write_text(output)
    figures = json.loads(counts.read_text()) if counts.exists() else {}
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    failures = re.search(r"(\d+) failures?\b", summary)
    errors = re.search(r"(\d+) errors?\b", summary)
    return {"service": service, "examples": examples, "requests": figures.get("requests", 0),
            **{status: figures.get(status, 0) for status in ("2xx", "3xx", "4xx", "5xx")},
            "server errors": figures.get("server_errors", 0),
            "failures": int(failures.group(1)) if failures else 0,
            "errors": int(errors.group(1)) if errors else 0,
            "seconds": round(time.monotonic() - started), "exit": done.returncode, "output": output}


def _bad(result: dict) -> bool:
    return bool(result["exit"] or result["server errors"] or result["failures"] or result["errors"]
                or result["requests"] < MINIMUM_REQUESTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", 25)),
                        help="at least this many generated cases per operation and phase (default 25; more for a "
                             f"service with few operations, to about {FUZZED_PER_SERVICE} per service)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 20261005)),
                        help="Schemathesis' seed (default fixed, so a CI run can be replayed)")
    services = fuzzed_services()
    parser.add_argument("--service", action="append", choices=services,
                        help=f"only these (default: all of {', '.join(services)})")
    args = parser.parse_args(argv)
    began = time.monotonic()
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
        for service in args.service or services:
            examples = examples_for(service, args.examples)
            _say(f"fuzzing {service}: {_operations(service)} operations, {examples} cases per operation and "
                 f"phase, seed {args.seed}")
            result = _run_service(service, stack.url(service), examples, args.seed, env, root)
            for extra in range(1, ROUNDS):
                # a service with few, small inputs runs out of distinct cases before its 1,000 requests: another
                # round with the next seed generates new ones (the counts add up)
                if result["requests"] >= MINIMUM_REQUESTS or _bad({**result, "requests": MINIMUM_REQUESTS}):
                    break
                more = _run_service(service, stack.url(service), examples, args.seed + extra, env, root)
                result = {**result, **{key: result[key] + more[key] for key in SUMMED},
                          "exit": result["exit"] or more["exit"], "output": result["output"] + more["output"]}
            print(f"    {service}: {result['requests']} requests, {result['server errors']} server errors, "
                  f"{result['failures']} contract failures, {result['errors']} errors in {result['seconds']} s"
                  + ("" if not _bad(result) else "  FAILED"), flush=True)
            if _bad(result):
                shown = "\n\n".join(part for part in (_section(result["output"], "FAILURES"),
                                                      _section(result["output"], "ERRORS")) if part)
                print(shown or result["output"][-6000:], flush=True)
            results.append(result)
    finally:
        stack.stop()
        for data in ("kafka", "ferretdb"):  # the reports and logs stay; the servers' data goes
            shutil.rmtree(root / data, ignore_errors=True)
    print(f"\n  {'service':<10} {'examples':>8} {'requests':>9} {'2xx':>6} {'3xx':>5} {'4xx':>6} {'5xx':>5} "
          f"{'server errors':>14} {'contract failures':>18} {'errors':>7} {'seconds':>8}")
    for r in results:
        print(f"  {r['service']:<10} {r['examples']:>8} {r['requests']:>9} {r['2xx']:>6} {r['3xx']:>5} "
              f"{r['4xx']:>6} {r['5xx']:>5} {r['server errors']:>14} {r['failures']:>18} {r['errors']:>7} "
              f"{r['seconds']:>8}")
    print(f"\n  total {sum(r['requests'] for r in results)} requests in {round(time.monotonic() - began)} s "
          f"(seed {args.seed}); reports and logs: {root}/<service>.txt, {root}/logs/")
    bad = [r["service"] for r in results if _bad(r)]
    if bad:
        print(f"\nfuzzing failed for: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
