#!/usr/bin/env bash
# Install the Debian packages of tools/system/packages.txt that are missing.
# Nothing happens when all are present; otherwise apt-get runs as root or via
# passwordless sudo, and without either the script names what to install.
set -euo pipefail
list="$(dirname "$0")/packages.txt"
missing=()
while read -r pkg _; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done < "$list"
[[ ${#missing[@]} -eq 0 ]] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "skylift: these system packages are needed and apt-get is not here: ${missing[*]}" >&2
  echo "hint: install them with your system's package manager, then run make again" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  echo "skylift: missing system packages: ${missing[*]}" >&2
  echo "hint: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
