#!/usr/bin/env bash
# Installs Debian's Chromium and chromedriver for the browser tests, only when /usr/bin/chromium is missing.
# Playwright drives this system Chromium (executable_path=/usr/bin/chromium); `playwright install` is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium chromium-driver
