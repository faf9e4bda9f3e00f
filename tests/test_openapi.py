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


# Endpoints reading their body themselves, refusing an empty one although every field is optional.
OWN_READERS = {("workflow", "post", "/catalogue/import")}  # JSON or YAML: services/workflow/catalogue/resources.py


def test_a_body_is_required_exactly_when_one_of_its_fields_is():
    """A missing body is read as ``{}`` (shared/api/parsing.py): the documents must not call a body with no
    required field required (a template preview without a body is answered 200), nor the others optional."""
    seen = {True: 0, False: 0}
    for service in SERVICES:
        spec = json.loads(path(service).read_text())
        for route, operations in spec["paths"].items():
            for method, operation in operations.items():
                body = isinstance(operation, dict) and operation.get("requestBody", {}).get("content", {}).get(
                    "application/json")
                if not body:
                    continue
                schema = body["schema"]
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                required = bool(schema.get("required")) or (service, method, route) in OWN_READERS
                assert operation["requestBody"].get("required", False) == required, f"{service} {method} {route}"
                seen[required] += 1
    assert seen[True] and seen[False]
