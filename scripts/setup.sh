#!/usr/bin/env bash
# Installs what the project needs: Debian packages (when root; otherwise prints the
# exact command), a virtualenv in .venv with the locked Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
APT_PACKAGES="python3-venv chromium fonts-noto-cjk fonts-noto-core libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext"

missing=()
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "!! Missing system packages: ${missing[*]}"
    echo "!! Install them with:  sudo apt-get install -y ${missing[*]}"
    case " ${missing[*]} " in
      *" python3-venv "*) exit 1 ;;
    esac
  fi
fi

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "!! Python 3.11 or newer is required (found $("$PY" --version))"; exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ requirements.lock -nt .venv/.installed ]; then
  echo "==> installing locked Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
  touch .venv/.installed
fi

# Browser-side test tools from the npm registry (axe-core for the accessibility checks); never served.
if [ -f package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
      echo "==> npm ci (axe-core for the accessibility tests)"
      npm ci --no-audit --no-fund --silent && touch node_modules/.installed
    fi
  elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install npm (for axe-core)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    npm ci --no-audit --no-fund --silent && touch node_modules/.installed
  else
    echo "!! npm is missing: the accessibility tests (axe-core) cannot run. Install it with:  sudo apt-get install -y npm"
  fi
fi
