#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser.py drives /usr/bin/chromium with
# Playwright; Playwright's own browser download is never used). Run by deploy/test.sh: a
# no-op where it is installed, an apt-get install (as root, as CI runs) where it is not.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2
  exit 0 # they fail and say so; lint, types and the other tests still run
fi
echo "Installing Debian's chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
