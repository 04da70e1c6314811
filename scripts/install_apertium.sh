#!/usr/bin/env bash
# Installs Debian's Apertium (rule-based translation) and the language pairs the models service can route
# through (models/models.yaml, route `apertium`). Called by `make install`; seconds when all is installed.
#
# Never fails the install: where apt is missing, we are not root (and have no password-less sudo), or the
# packages cannot be fetched, it says so and skips. The models service then reports the Apertium engine as
# unavailable in /health and keeps serving the other engines. BORDERLESS_SKIP_APERTIUM=1 skips on purpose.
set -uo pipefail

# One entry per pair: Debian's package name first, then older or transitional names to try when a
# release lacks it (bookworm has all of the first names; apertium-en-es etc. are dummies there).
PAIRS=(
  "apertium-eng-spa apertium-en-es"
  "apertium-es-pt"
  "apertium-fr-es"
  "apertium-spa-ita apertium-es-it"
  "apertium-eng-cat apertium-en-ca"
  "apertium-spa-cat apertium-es-ca"
  "apertium-por-cat apertium-pt-ca"
  "apertium-fra-cat"
  "apertium-cat-ita apertium-ca-it"
)

say() { echo "install_apertium: $*" >&2; }

if [ "${BORDERLESS_SKIP_APERTIUM:-0}" = "1" ]; then
  say "skipped (BORDERLESS_SKIP_APERTIUM=1); the apertium translation engine will be unavailable"
  exit 0
fi

# (Output captured first: `cmd | grep -q` under pipefail fails when grep stops reading early.)
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# Fast path: everything already there (the first-choice name of each pair, or any alternative).
missing=0
installed apertium || missing=1
for alternatives in "${PAIRS[@]}"; do
  found=0
  for pkg in $alternatives; do
    if installed "$pkg"; then found=1; break; fi
  done
  [ "$found" = 1 ] || missing=1
done
if [ "$missing" = 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  say "apt-get is not available on this system: skipping Apertium (install it and its pairs by hand, see models/README.md)"
  exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    say "not root and no password-less sudo: skipping Apertium (run 'sudo scripts/install_apertium.sh' to add it)"
    exit 0
  fi
fi

has_candidate() {
  local policy
  policy=$(apt-cache policy "$1" 2>/dev/null)
  [[ "$policy" =~ Candidate:\ [^\(] ]]
}

# Refresh the package lists once, only when apt does not know the packages yet (a fresh container).
if ! has_candidate apertium; then
  say "apt-get update (package lists do not know apertium yet)"
  "${SUDO[@]}" apt-get update -qq -o DPkg::Lock::Timeout=600 || say "apt-get update failed; trying with the lists there are"
fi
if ! has_candidate apertium; then
  say "this system's package lists have no 'apertium' package: skipping Apertium"
  exit 0
fi

wanted=(apertium)
for alternatives in "${PAIRS[@]}"; do
  chosen=""
  for pkg in $alternatives; do
    if has_candidate "$pkg"; then chosen=$pkg; break; fi
  done
  if [ -n "$chosen" ]; then
    wanted+=("$chosen")
  else
    say "no package for '$alternatives' on this system: that pair will be missing"
  fi
done

say "installing ${wanted[*]}"
if ! DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${wanted[@]}"; then
  say "apt-get install failed: skipping Apertium; the models service reports it unavailable"
  exit 0
fi
say "installed; pairs: $(apertium -l 2>/dev/null | tr '\n' ' ')"
