"""`make k8s`: write the generated manifests under deploy/k8s/ (``python -m tools.k8s write``), or list the ones
that differ from the code (``check``, exit 1)."""

from __future__ import annotations

import sys

from tools.k8s.manifests import files


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "write"
    stale = [path for path, content in files().items()
             if not path.exists() or path.read_text(encoding="utf-8") != content]
    if command == "check":
        for path in stale:
            print(f"stale: {path} (run `make k8s`)", file=sys.stderr)
        return 1 if stale else 0
    for path, content in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    print(f"wrote {len(files())} files under deploy/k8s/ ({len(stale)} changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
