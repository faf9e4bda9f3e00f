#!/usr/bin/env bash
# The upstream OpenAPI schemas of the KEDA and Prometheus-operator custom resources deploy/k8s uses, from their
# Go modules on the Go module proxy (pinned versions), extracted to .cache/crd-schemas/<group>_<kind>.json for the
# offline validation in `make test`. (Strimzi publishes no CRD file to a registry: its schema is the checked-in
# deploy/k8s/schemas/custom-resources.yaml.)
# Usage: tools/k8s/crd-schemas.sh <repo root>
set -euo pipefail
root=$(cd "${1:-.}" && pwd)
out="$root/.cache/crd-schemas"
command -v go >/dev/null || { echo "error: Go is needed to fetch the CRD schemas (install Go 1.24+)" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-modcacherw GOMODCACHE="$root/.cache/go/mod"
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
dir() {  # module@version -> its directory in the module cache (downloaded if missing)
  (cd "$scratch" && go mod download -json "$1") | "$root/.venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}
echo "crd-schemas: KEDA v2.18.3 and Prometheus operator v0.85.0 CRDs from the Go module proxy"
keda=$(dir github.com/kedacore/keda/v2@v2.18.3)
promop=$(dir github.com/prometheus-operator/prometheus-operator@v0.85.0)
mkdir -p "$out.tmp"
"$root/.venv/bin/python" - "$out.tmp" "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
  "$promop/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" <<'PY'
import json, sys
from pathlib import Path
import yaml
target = Path(sys.argv[1])
for path in sys.argv[2:]:
    crd = yaml.safe_load(Path(path).read_text())
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    for version in crd["spec"]["versions"]:
        name = f"{group}_{version['name']}_{kind}.json"
        (target / name).write_text(json.dumps(version["schema"]["openAPIV3Schema"], indent=1))
        print(f"crd-schemas: {name}")
PY
rm -rf "$out" && mv "$out.tmp" "$out"
