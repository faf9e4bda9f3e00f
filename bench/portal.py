"""Portal benchmark: the officer's queue page (GET /can-bo/ho-so, the first page of 50 with the counts by due
state and status) with many open dossiers waiting at the officer's agency, through the whole chain — browser
request, portal (server-side session, Jinja2), workflow API (queue and counts, asked at the same time), FerretDB
— and the weight of that page (HTML and every CSS, JavaScript and font file it loads; no images). Prints one
table: the page, the API calls underneath it as the portal saw them (its ``Server-Timing`` header), the same
calls made directly to the workflow API, and what the portal itself adds.

    make bench-portal                                   # 1,000 open dossiers (the issue's figure)
    make bench-portal BENCH_ARGS="--dossiers 200 --samples 10"

It starts its own stack (FerretDB, Kafka, the four services, the portal) in a temporary directory, loads the
dossiers into the workflow's collection cloned from a real one (bench.queue), signs in as the demo counter
officer through the portal's sign-in form and times the page.
"""

from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pymongo
import requests

from bench.measure import bench_stack, percentiles, print_table
from bench.queue import _insert, _template
from services.intake.accounts.cli import DEMO_AGENCY, DEMO_PASSWORD
from services.portal.sessions import COOKIE
from shared.clock import utc_now
from tools.devstack.paths import REPO


def load(workflow_db, count: int, agency: str) -> None:
    """``count`` open dossiers waiting at ``agency`` (statuses 1, 2 and 4; due moments a month either side)."""
    templates = [_template(status) for status in (1, 2, 4)]
    now = utc_now()
    batch = []
    for n in range(count):
        d = copy.copy(templates[n % 3])
        d.update(_id=str(uuid.uuid4()), code=f"{agency}-BENCH-{n:06d}", queue_agency=agency, open=True,
                 queue_due=now + timedelta(minutes=(n * 7919) % (60 * 24 * 60) - 30 * 24 * 60))
        batch.append(d)
    for start in range(0, len(batch), 1000):
        _insert(workflow_db, batch[start:start + 1000], now)


def client() -> requests.Session:
    """A client that keeps the portal's session cookie like a browser on localhost does: the cookie is Secure
    outside development, and Python's cookie jar never sends a Secure cookie over plain HTTP, so this client
    carries it itself (set, replaced and deleted as the portal says)."""
    session = requests.Session()

    def keep(response, *args, **kwargs):
        found = re.search(rf"{COOKIE}=([^;]*)", response.headers.get("Set-Cookie", ""))
        if found and found.group(1):
            session.headers["Cookie"] = f"{COOKIE}={found.group(1)}"
        elif found:
            session.headers.pop("Cookie", None)

    session.hooks["response"].append(keep)
    return session


def signed_in(portal: str, username: str = "motcua.h29", password: str = DEMO_PASSWORD) -> requests.Session:
    session = client()
    form = session.get(f"{portal}/dang-nhap", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(f"{portal}/dang-nhap", timeout=30, allow_redirects=False,
                          data={"csrf_token": csrf, "username": username, "password": password})
    assert answer.status_code == 302, answer.text[:500]
    return session


def page_weight(session: requests.Session, portal: str, html: str) -> dict[str, int]:
    """Bytes of the page and of each asset it loads: stylesheets, scripts, and the fonts the CSS names."""
    sizes = {"html": len(html.encode())}
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js|woff2))"', html):
        body = session.get(portal + asset, timeout=30).content
        sizes[asset] = len(body)
        if asset.endswith(".css"):
            for font in re.findall(r'url\("(/static/fonts/[^"]+)"\)', body.decode()):
                sizes.setdefault(font, len(session.get(portal + font, timeout=30).content))
    return sizes


SERVER_TIMING = re.compile(r'(\w+);dur=([\d.]+)(?:;desc="([^"]*)")?')


def server_timing(header: str) -> dict[str, float]:
    """``Server-Timing`` of a portal page as {what: ms}: ``app`` (the whole page in the portal) and each API call
    by its path's last part (``queue``, ``counts``)."""
    found = {}
    for name, ms, desc in SERVER_TIMING.findall(header or ""):
        found["app" if name == "app" else desc.rsplit("/", 1)[-1]] = float(ms)
    return found


def api_token(intake: str, username: str = "motcua.h29", password: str = DEMO_PASSWORD) -> str:
    return requests.post(f"{intake}/auth/token", json={"username": username, "password": password},
                         timeout=30).json()["access_token"]


def measure(portal: str, workflow_db, *, dossiers: int, samples: int, agency: str = DEMO_AGENCY,
            workflow: str | None = None, intake: str | None = None) -> dict:
    load(workflow_db, dossiers, agency)
    session = signed_in(portal)
    open_here = workflow_db.dossiers.count_documents({"queue_agency": agency, "open": True})
    first = session.get(f"{portal}/can-bo/ho-so", timeout=300)
    assert first.status_code == 200 and "Hồ sơ cần xử lý" in first.text, first.text[:500]
    times, seen = [], {"queue": [], "counts": [], "portal": []}
    for _ in range(samples):
        started = time.perf_counter()
        answer = session.get(f"{portal}/can-bo/ho-so", timeout=300)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, f"{answer.status_code}: {answer.text[:300]}"
        timing = server_timing(answer.headers.get("Server-Timing", ""))
        seen["queue"].append(timing["queue"])
        seen["counts"].append(timing["counts"])
        seen["portal"].append(timing["app"] - max(timing["queue"], timing["counts"]))  # the calls run together
    direct = {}
    if workflow and intake:  # the same two calls straight to the workflow API, one after the other
        headers = {"Authorization": f"Bearer {api_token(intake)}"}
        for what, path in (("queue", f"/agencies/{agency}/queue?limit=50"),
                           ("counts", f"/agencies/{agency}/queue/counts")):
            spent = []
            for _ in range(samples):
                started = time.perf_counter()
                assert requests.get(f"{workflow}{path}", headers=headers, timeout=300).status_code == 200
                spent.append((time.perf_counter() - started) * 1000)
            direct[what] = percentiles(spent)
    weight = page_weight(session, portal, first.text)
    return {"open": open_here, "ms": percentiles(times), "weight": weight, "samples": samples,
            "underneath": {k: percentiles(v) for k, v in seen.items()}, "direct": direct}


def _p(ms: dict) -> str:
    return f"{ms['p50']:.0f} / {ms['p95']:.0f}"


def report(result: dict) -> None:
    ms, weight, under, direct = result["ms"], result["weight"], result["underneath"], result["direct"]
    total = sum(weight.values())
    rows = [
        ("open dossiers at the agency", f"{result['open']:,}",
         "FerretDB; dossiers 6.9 KB of BSON, queue entries 0.5 KB"),
        ("queue page ms p50 / p95 / p99", f"{ms['p50']:.0f} / {ms['p95']:.0f} / {ms['p99']:.0f}",
         f"{result['samples']} sequential requests; target p95 <= 150 ms"),
        ("  API queue page ms p50 / p95", _p(under["queue"]), "GET /agencies/<code>/queue?limit=50, seen by portal"),
        ("  API counts ms p50 / p95", _p(under["counts"]), "GET /agencies/<code>/queue/counts, at the same time"),
        ("  portal's own ms p50 / p95", _p(under["portal"]), "session, template, the wait beyond the slower call"),
    ]
    rows += [(f"  direct API {what} ms p50 / p95", _p(spent), "straight to the workflow API, sequential")
             for what, spent in direct.items()]
    rows += [
        ("page weight KB (no images)", f"{total / 1024:.1f}", "target <= 200 KB"),
        ("  of which HTML KB", f"{weight['html'] / 1024:.1f}", "first page of 50"),
        ("  of which CSS + JS + fonts KB", f"{(total - weight['html']) / 1024:.1f}",
         f"{len(weight) - 1} files, cached by the browser after the first page"),
    ]
    print_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal")
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--api-timeout", type=float, default=120.0,
                        help="PORTAL_API_TIMEOUT_SECONDS of the portal under test (seconds)")
    args = parser.parse_args(argv)
    with bench_stack("portal") as stack:
        stack.start_services()
        stack.seed_catalogue()
        subprocess.run([sys.executable, "-m", "services.intake.accounts.cli", "seed-demo"], check=True,
                       env=stack.child_env(), cwd=REPO, capture_output=True)
        stack.start_portal(portal_api_timeout_seconds=args.api_timeout)  # measure a slow API, do not cut it off
        client = pymongo.MongoClient(stack.mongo.uri, tz_aware=True)
        result = measure(stack.url("portal"), client[stack.settings().database_name("workflow")],
                         dossiers=args.dossiers, samples=args.samples, workflow=stack.url("workflow"),
                         intake=stack.url("intake"))
        report(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
