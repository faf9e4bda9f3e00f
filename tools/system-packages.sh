#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are missing (apt-get, as root or with sudo),
# keeping the downloaded .deb files under .cache/apt so a second machine set up from the same cache, or a
# reinstall, downloads nothing. Used by the Makefile for what pip, Maven and Go cannot provide.
set -euo pipefail
cache="$(cd "$(dirname "$0")/.." && pwd)/.cache/apt"
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "error: these Debian packages are needed: ${missing[*]} (no apt-get here: install them by hand)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: installing ${missing[*]} needs root (or sudo)" >&2; exit 1; }
  sudo="sudo"
fi
echo "==> Debian packages: ${missing[*]} (apt-get, cached in .cache/apt)"
mkdir -p "$cache/partial"
apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dir::Cache::archives="$cache"
     -o Dpkg::Use-Pty=0 install -y --no-install-recommends)
if ! "${apt[@]}" "${missing[@]}"; then
  echo "==> refreshing the package lists and trying again"
  $sudo apt-get -q update
  "${apt[@]}" "${missing[@]}"
fi
