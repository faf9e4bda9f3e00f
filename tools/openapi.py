"""The OpenAPI document of each service, checked in next to it (``services/<name>/openapi.json``) so API
changes show up in review; a test fails when the code and the checked-in document disagree.

    python -m tools.openapi write    # regenerate (make openapi)
    python -m tools.openapi check    # exit 1 if a checked-in document is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile

from shared.config import Settings
from tools.devstack.paths import REPO
from tools.devstack.stack import SERVICES


def generate(service: str, settings: Settings) -> dict:
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def render(spec: dict) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def path(service: str):
    return REPO / "services" / service / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi")
    parser.add_argument("command", choices=("write", "check"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as keys:
        settings = Settings(auth_dev_key_dir=keys)  # no server is contacted: the apps connect lazily
        stale = []
        for service in SERVICES:
            text = render(generate(service, settings))
            if args.command == "write":
                path(service).write_text(text)
                print(f"wrote {path(service).relative_to(REPO)}")
            elif not path(service).exists() or path(service).read_text() != text:
                stale.append(str(path(service).relative_to(REPO)))
    if stale:
        print(f"stale OpenAPI documents (run `make openapi`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
