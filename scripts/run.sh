#!/usr/bin/env bash
# Set up and run the main job: the full report on the bundled default data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/hnb-xl report "$@"
