#!/usr/bin/env bash
# Creates or updates a virtualenv from a pinned requirements file; does nothing when the
# requirements have not changed since the last successful install (a hash stamp in the venv).
# Usage: ensure_venv.sh VENV_DIR PYTHON REQUIREMENTS_FILE
set -euo pipefail
venv=$1 python=$2 req=$3
stamp="$venv/.requirements.sha256"
want=$( (cat "$req"; "$python" --version 2>&1) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi
echo "==> installing $req into $venv (first run takes several minutes)"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade "pip==24.3.1"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
echo "$want" > "$stamp"
