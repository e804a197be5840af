#!/usr/bin/env bash
# Run Mufakat on the embedded default: Temporal's dev server, the worker and the API.
# Usage: deploy/dev.sh [--data-dir DIR] [--api-port N] [--temporal-port N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/uv.sh"

"$uv" sync --project "$root" --frozen
# One data directory per checkout unless told otherwise, so a restart finds every case.
export MUFAKAT_DATA_DIR="${MUFAKAT_DATA_DIR:-$root/.mufakat}"
exec "$uv" run --project "$root" --no-sync mufakat dev "$@"
