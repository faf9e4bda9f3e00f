"""Schemathesis hooks of `make fuzz` (loaded by the CLI through ``schemathesis.toml``'s ``hooks``).

- **a token of each role** — every case is sent with the token of one of the roles the run prepared (applicant,
  counter officer, agency head, specialist, clerk, manager, administrator, postal staff), chosen from the case
  itself so a run is reproducible; Schemathesis' own auth checks (no token, a wrong token) still apply;
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


def _pick(case) -> str:
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


@schemathesis.hook
def after_call(context, case, response):
    _counts[f"{response.status_code // 100}xx"] += 1
    _counts["requests"] += 1
    if response.status_code >= 500:
        _counts["server_errors"] += 1
    _COUNTS.write_text(json.dumps(_counts))
