#!/usr/bin/env bash
# Fails early, with what to install, when a tool the project builds or runs with is missing.
set -uo pipefail
python=${1:-python3}
fail=0
need() { echo "error: $1" >&2; fail=1; }

if ! command -v "$python" >/dev/null; then
  need "Python 3.11 is required ($python not found)."
elif ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  need "Python 3.11 is required; $python is $("$python" -V 2>&1). Use PYTHON=python3.11 make ..."
elif ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  need "Python's venv module is missing (Debian/Ubuntu: apt-get install python3.11-venv)."
fi
if ! command -v java >/dev/null; then
  need "Java 17+ is required to run Kafka (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)."
elif ! java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); exit !(v[1] >= 17)}'; then
  need "Java 17+ is required to run Kafka; found: $(java -version 2>&1 | head -1)."
fi
if ! command -v mvn >/dev/null; then
  need "Maven is required to collect the Kafka jars (Debian/Ubuntu: apt-get install maven)."
fi
if ! command -v go >/dev/null; then
  need "Go 1.24+ is required to build FerretDB (https://go.dev/dl/ or apt-get install golang)."
elif ! go version | awk '{sub("go", "", $3); split($3, v, "."); exit !(v[1] > 1 || (v[1] == 1 && v[2] >= 24))}'; then
  need "Go 1.24+ is required to build FerretDB; found: $(go version)."
fi
if ! command -v patch >/dev/null; then
  need "patch is required to build FerretDB (apt-get install patch)."
fi
if ! command -v npm >/dev/null; then
  need "Node.js 18+ with npm is required to install the browser assets (apt-get install nodejs npm)."
fi
exit $fail
