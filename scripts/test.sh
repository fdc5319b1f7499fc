#!/usr/bin/env bash
# Set up (venv, pinned packages, LibreOffice) and run the whole test suite.
# pytest's exit code 5 ("no tests collected") is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
# two workers (pytest-xdist) by default: the machine has 2 cores and much of the suite waits on
# LibreOffice or formulas; each worker has its own tmp paths and LibreOffice profile.
# HNB_TEST_WORKERS=0 runs in one process.
# --dist loadfile: each test module on one worker, so a module-scoped fixture (a workbook built,
# refreshed, recalculated or exported for the module) is made once, not once on each worker as with
# --dist load; --no-loadscope-reorder hands the modules out in tests/conftest.py's order (the
# longest first, by their seconds in tests/module_seconds.json; `bash scripts/test.sh
# --record-module-seconds` writes it again) instead of the most tests first. (--dist loadgroup would
# be finer, but pytest-xdist 3.8 names its groups through a node attribute pytest 9 no longer reads.)
DIST=()
[ "${HNB_TEST_WORKERS:-2}" != "0" ] && DIST=(--dist loadfile --no-loadscope-reorder)
.venv/bin/python -m pytest -n "${HNB_TEST_WORKERS:-2}" "${DIST[@]}" "$@"
rc=$?
if [ "$rc" = "5" ]; then
  echo "scripts/test.sh: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
