"""Schemathesis hooks of `make fuzz` (loaded by the CLI through ``schemathesis.toml``'s ``hooks``).

- **a token of each role** — every case is sent with the token of one of the roles the run prepared (applicant,
  counter officer, agency head, specialist, clerk, manager, administrator, postal staff), chosen from the case
  itself so a run is reproducible; Schemathesis' own auth checks (no token, a wrong token) still apply;
- **the creator follows its links** — what a POST created (an upload, a draft, a notification) belongs to whoever
  created it, and to others is "not found" by design; so a case whose path names something created during the run
  is sent with its creator's token (in the stateful phase, Schemathesis follows a POST's links to it);
- **signed webhooks** — the SMS receipts and postal webhooks are signed over the exact bytes sent, so their
  bodies are fuzzed rather than all refused at the signature;
- **counted** — every request and its status class is counted per service, for the run's figures.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import requests
import schemathesis

from shared.auth.policy import sign

_SETUP = json.loads(Path(os.environ["MOTCUA_FUZZ_SETUP"]).read_text())
_COUNTS = Path(os.environ["MOTCUA_FUZZ_COUNTS"])
_counts: Counter = Counter()
_WEBHOOKS = {"/sms/receipts": _SETUP["secrets"]["sms"], "/provider/webhooks": _SETUP["secrets"]["postal"]}


_creators: dict[str, str] = {}  # identifier a POST answered with -> the Authorization that created it


def _pick(case) -> str:
    for value in (case.path_parameters or {}).values():
        if isinstance(value, str) and value in _creators:
            return _creators[value]
    roles = sorted(_SETUP["tokens"])
    digest = hashlib.sha256(repr((case.method, case.path, case.path_parameters, case.query, case.body)).encode())
    return _SETUP["tokens"][roles[digest.digest()[0] % len(roles)]]


@schemathesis.auth()
class RoleTokens:
    """One token per case, of a role drawn from the case (Schemathesis leaves it out where it tests auth)."""

    def get(self, case, ctx):
        return _SETUP["tokens"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": _pick(case)}


class _Signed(requests.auth.AuthBase):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request):
        body = request.body or b""
        request.headers["X-Signature"] = sign(body if isinstance(body, bytes) else body.encode(), self.secret)
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    secret = _WEBHOOKS.get(case.operation.path)
    if secret is not None:
        kwargs["auth"] = _Signed(secret)


def _remember_creator(case, response) -> None:
    token = (case.headers or {}).get("Authorization")
    if case.method.upper() != "POST" or not 200 <= response.status_code < 300 or not token:
        return
    try:
        created = response.json()
    except ValueError:
        return
    if isinstance(created, dict):
        for key in ("id", "code"):
            if isinstance(created.get(key), str):
                _creators.setdefault(created[key], token)


@schemathesis.hook
def after_call(context, case, response):
    _remember_creator(case, response)
    _counts[f"{response.status_code // 100}xx"] += 1
    _counts["requests"] += 1
    if response.status_code >= 500:
        _counts["server_errors"] += 1
    _COUNTS.write_text(json.dumps(_counts))
