#!/usr/bin/env bash
# Set up (venv, pinned packages, LibreOffice) and run the whole test suite.
# pytest's exit code 5 ("no tests collected") is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = "5" ]; then
  echo "scripts/test.sh: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
