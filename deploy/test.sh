#!/usr/bin/env bash
# Lint, type-check, then run the tests (extra arguments go to pytest).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/uv.sh"

cd "$root" # ruff, mypy and pytest read their settings from pyproject.toml here
"$uv" sync --frozen --all-groups
"$root/deploy/chromium.sh"
"$uv" run --no-sync ruff check
"$uv" run --no-sync ruff format --check
"$uv" run --no-sync mypy
exec "$uv" run --no-sync pytest "$@"
