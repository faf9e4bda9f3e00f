"""The checked-in OpenAPI documents (services/*/openapi.json) are what the code serves."""

from __future__ import annotations

import json

import pytest

from tools.devstack.stack import SERVICES
from tools.openapi import generate, path, render


@pytest.mark.parametrize("service", SERVICES)
def test_the_checked_in_openapi_document_is_current(service, settings):
    assert path(service).read_text() == render(generate(service, settings)), (
        f"services/{service}/openapi.json is stale: run `make openapi` and review the diff")


def test_every_operation_documents_its_errors_and_security():
    for service in SERVICES:
        spec = json.loads(path(service).read_text())
        assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
        for route, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    assert "security" in operation, f"{service} {method} {route}"
                    assert "default" in operation["responses"], f"{service} {method} {route}"


def test_every_creating_endpoint_takes_the_one_idempotency_key_and_documents_its_replay():
    """shared/api/idempotency.py: every POST answering 201 declares the Idempotency-Key header and a 200
    replay answer."""
    creating = [(f"{service} {route}", op) for service in SERVICES
                for route, ops in json.loads(path(service).read_text())["paths"].items()
                for method, op in ops.items() if method == "post" and "201" in op["responses"]]
    assert len(creating) >= 9  # filings on three channels, accounts, drafts, announcements, notifications
    for route, op in creating:
        headers = [p for p in op.get("parameters", []) if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], route
        assert headers[0]["schema"]["pattern"] and "200" in op["responses"], route
