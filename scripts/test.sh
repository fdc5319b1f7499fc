#!/usr/bin/env bash
# Set up (venv, pinned packages, LibreOffice) and run the whole test suite.
# pytest's exit code 5 ("no tests collected") is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
# two workers (pytest-xdist) by default: the machine has 2 cores and much of the suite waits on
# LibreOffice or formulas; each worker has its own tmp paths and LibreOffice profile.
# HNB_TEST_WORKERS=0 runs in one process.
.venv/bin/python -m pytest -n "${HNB_TEST_WORKERS:-2}" "$@"
rc=$?
if [ "$rc" = "5" ]; then
  echo "scripts/test.sh: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
