"""The container image without a container engine (none can be had here: no Docker daemon, and the base image
lives on Docker Hub, which this machine cannot reach): the Dockerfile is linted with hadolint, and its steps are
run as written in a fresh virtualenv — the runtime lock installed with the same pip options, the same files
copied, byte-code compiled, then the entry point started with the image's environment against the test
session's Kafka and FerretDB, and the copied tree checked unchanged afterwards (the image's root filesystem is
read-only)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import requests
import yaml

from tools.devstack.paths import REPO
from tools.devstack.servers import free_port
from tools.devstack.stack import SERVICES, service_processes

DOCKERFILE = (REPO / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_hadolint_finds_nothing_to_say():
    done = subprocess.run([str(REPO / ".venv" / "bin" / "hadolint"), "--config", str(REPO / ".hadolint.yaml"),
                           str(REPO / "Dockerfile")], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_multi_stage_non_root_with_tini_and_the_runtime_lock_is_the_full_locks_subset():
    steps = instructions()
    assert [args for kind, args in steps if kind == "FROM"] == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]
    final = steps[max(i for i, (kind, _) in enumerate(steps) if kind == "FROM"):]
    assert ("USER", "10001:10001") in final
    assert ("ENTRYPOINT", '["/usr/bin/tini", "--", "motcua"]') in final
    assert not any(kind == "RUN" and "pip install" in args for kind, args in final), "no installs in the final stage"
    full = set((REPO / "requirements.lock").read_text().splitlines())
    runtime = [line for line in (REPO / "requirements-runtime.lock").read_text().splitlines()
               if line and not line.startswith("#")]
    assert runtime and all(line in full for line in runtime), "requirements-runtime.lock drifted from make lock"
    assert not any(line.split("==")[0].lower() in ("pytest", "ruff", "hypothesis") for line in runtime)


def test_docker_compose_runs_every_process_on_the_official_images_with_a_replica_set():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["mongo"]["image"].startswith("mongo:") and "--replSet" in services["mongo"]["command"]
    assert "replicaSet=rs0" in compose["x-motcua"]["environment"]["MONGO_URI"]
    for service in SERVICES:
        for process in service_processes(service).names:
            name = service if process == "api" else f"{service}-{process}"
            assert services[name]["command"] == [service, process], name
    assert {"mailpit", "sms-gateway", "postal-provider", "payment-gateway", "national-portal"} <= set(services)
    # the web front, reaching every API by its compose name, and the links in messages pointing at it
    portal = services["portal"]
    assert portal["command"] == ["portal", "api"] and portal["ports"] == ["127.0.0.1:8080:8080"]
    for service in SERVICES:
        url = portal["environment"].get(f"{service.upper()}_URL")
        assert url is None or url.startswith(f"http://{service}:"), service
    assert compose["x-motcua"]["environment"]["PUBLIC_PORTAL_URL"] == "http://127.0.0.1:8080"


def _tree(root) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


@pytest.mark.stack
def test_the_dockerfile_steps_build_a_working_api_in_a_fresh_virtualenv(tmp_path, stack):
    steps = instructions()
    build = steps[: [i for i, (kind, _) in enumerate(steps) if kind == "FROM"][1]]
    venv, app = tmp_path / "opt" / "motcua", tmp_path / "app"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    for kind, args in build:
        if kind == "COPY":
            source, target = args.split()
            destination = tmp_path / target.lstrip("/").rstrip("/")
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / source, destination)
        elif kind == "RUN":
            for command in args.split(" && "):
                command = command.replace("/opt/motcua", str(venv)).replace(" /app", f" {app}")
                if command.startswith("python -m venv"):
                    continue  # made above, with this machine's Python 3.11
                subprocess.run(command, shell=True, check=True, cwd=REPO, env=env, timeout=600)
    assert (venv / "bin" / "motcua").exists() and not (venv / "bin" / "pip").exists()

    before = _tree(app)
    port, metrics_port = free_port(), free_port()
    image_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    image_env.update(dataclasses.replace(stack.settings(), intake_port=port, metrics_port=metrics_port).as_env())
    image_env.update({"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PYTHONPATH": str(app),
                      "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "BIND_HOST": "127.0.0.1",
                      "MOTCUA_ENV": "test", "TMPDIR": str(tmp_path / "tmp")})
    (tmp_path / "tmp").mkdir()
    process = subprocess.Popen(["motcua", "intake", "api"], env=image_env, cwd=app, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the API did not become ready"
            time.sleep(0.3)
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        assert 'motcua_http_requests_total{method="GET",route="/readyz",service="intake",status="200"}' in scraped
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)
    assert _tree(app) == before, "the code tree was written to at run time"
    usage = subprocess.run(["motcua"], env=image_env, capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "usage: motcua <service> <process>" in usage.stderr
