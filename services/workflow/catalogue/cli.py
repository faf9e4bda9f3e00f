"""Import a catalogue file (JSON or YAML: agencies, procedures, calendar announcements).

    python -m services.workflow.catalogue.cli import services/workflow/catalogue/seeds/catalogue.yaml

Idempotent: what is already published unchanged is left alone. Publications reach the other services
through the workflow relay.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml
from marshmallow import ValidationError

from services.workflow import SERVICE
from services.workflow.catalogue.importer import import_all
from services.workflow.catalogue.schemas import ImportSchema
from services.workflow.storage import ensure_indexes
from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.config import get_settings
from shared.storage.mongo import connect

SEEDS = Path(__file__).parent / "seeds" / "catalogue.yaml"
CLI = Principal(subject="cli", kind=PrincipalKind.SERVICE, name="Nhập danh mục từ dòng lệnh")


def load_file(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return ImportSchema().load(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.workflow.catalogue.cli")
    parser.add_argument("command", choices=("import",))
    parser.add_argument("file", type=Path, nargs="?", default=SEEDS)
    args = parser.parse_args(argv)
    try:
        data = load_file(args.file)
    except ValidationError as exc:
        raise SystemExit(f"{args.file}: invalid catalogue: {json.dumps(exc.messages, ensure_ascii=False)}") from None
    settings = get_settings()
    db = connect(settings, SERVICE)
    ensure_indexes(db)
    report = import_all(db, settings, data, CLI)
    print(f"    catalogue {args.file.name}: {len(report['agencies'])} agencies and {len(report['procedures'])} "
          f"procedure versions published, {len(report['announcements'])} announcements, "
          f"{len(report['unchanged'])} unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
