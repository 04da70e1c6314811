#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter for the Rasa venv, or fails with a clear message.
# Order: $PYTHON310, pyenv's 3.10.x, python3.10 on PATH.
set -euo pipefail

is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON310:-}" ]; then
  if is_310 "$PYTHON310"; then echo "$PYTHON310"; exit 0; fi
  echo "PYTHON310=$PYTHON310 is not a working Python 3.10 interpreter." >&2; exit 1
fi
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for cand in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
    if is_310 "$cand/bin/python3.10"; then echo "$cand/bin/python3.10"; exit 0; fi
  done
fi
if command -v python3.10 >/dev/null 2>&1; then
  cand=$(command -v python3.10)
  if is_310 "$cand"; then echo "$cand"; exit 0; fi
fi
cat >&2 <<'MSG'
No Python 3.10 interpreter found. Rasa Open Source 3.6 needs Python 3.10 (3.8-3.10).
Install one (e.g. `pyenv install 3.10.13` or your distribution's python3.10 package),
or point PYTHON310 at it: `make run PYTHON310=/path/to/python3.10`.
MSG
exit 1
