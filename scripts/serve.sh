#!/usr/bin/env bash
# Install smbemu into .venv and run it on the built-in defaults (profile win2000, fixture corp.yaml).
# Extra arguments go to `smbemu serve`, e.g. ./scripts/serve.sh --profile win2016 --port 4445
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
port_given=no
for arg in "$@"; do case "$arg" in --port|--port=*) port_given=yes ;; esac; done
if [ "$port_given" = no ] && [ "$(id -u)" != 0 ]; then
    set -- --port 4445 "$@"   # 445 needs root
fi
exec .venv/bin/smbemu serve "$@"
