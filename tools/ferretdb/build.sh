#!/usr/bin/env bash
# Builds .cache/bin/ferretdb-embed: FerretDB v1.24.2 (SQLite backend) embedded in our own main module,
# from the Go module proxy, with our patches (tools/ferretdb/*.patch) applied. Everything lands under .cache/.
#
# Usage: tools/ferretdb/build.sh <repo root>
#        tools/ferretdb/build.sh <repo root> test   # instead of building: the Go tests our patches carry, run on
#                                                   # the patched source (tests/shared/test_ferretdb.py calls it)
set -euo pipefail

root=$(cd "${1:-.}" && pwd)
here="$root/tools/ferretdb"
cache="$root/.cache"
version=v1.24.2
out="$cache/bin/ferretdb-embed"

if ! command -v go >/dev/null 2>&1; then
  echo "error: Go is required to build the local MongoDB-wire server (FerretDB)." >&2
  echo "       Install Go 1.24 or newer (https://go.dev/dl/ or 'apt-get install golang') and re-run." >&2
  exit 1
fi

export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"

# Patched copy of the FerretDB module source; the wrapper builds against it through a -modfile that
# carries a replace directive, so the committed go.mod/go.sum stay plain.
src="$cache/ferretdb/src-$version"
work="$cache/ferretdb/mod"
patches=$(cat "$here"/*.patch | sha256sum | cut -d' ' -f1)
if [ "$(cat "$src/.patched" 2>/dev/null)" != "$patches" ]; then
  echo "ferretdb: downloading FerretDB $version from the Go module proxy"
  dir=$(cd "$here" && go mod download -json "github.com/FerretDB/FerretDB@$version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$src" && mkdir -p "$(dirname "$src")"
  cp -r "$dir" "$src" && chmod -R u+w "$src"
  for p in "$here"/*.patch; do
    echo "ferretdb: applying $(basename "$p")"
    patch -s -d "$src" -p1 < "$p"
  done
  echo "$patches" > "$src/.patched"
fi

if [ "${2:-}" = "test" ]; then
  (cd "$src" && go test -count=1 -v -run OnePass ./internal/handler/sjson/)
  exit
fi

mkdir -p "$work" "$cache/bin"
cp "$here/go.mod" "$work/go.mod"
cp "$here/go.sum" "$work/go.sum"
(cd "$here" && go mod edit -modfile="$work/go.mod" -replace "github.com/FerretDB/FerretDB=$src")

echo "ferretdb: building $out (first build compiles SQLite, about a minute on 2 cores)"
(cd "$here" && go build -modfile="$work/go.mod" -trimpath -o "$out.tmp" .)
mv "$out.tmp" "$out"
echo "ferretdb: built $out"
