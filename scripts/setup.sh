#!/usr/bin/env bash
# Create .venv (Python 3.11) and install hnb_xl with pinned dependencies.
# Usage: bash scripts/setup.sh [--test]   (--test adds the test extra and LibreOffice)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# setuptools announces every editable install of a flat layout with an informational warning
# ("Editable installation. Please be careful with folders in your working directory ..."; its
# InformationOnly class says a warning is the only way it has to tell): that one message is not shown.
# (editable_mode=compat prints a deprecation instead, strict one about its build/ link tree.)
export PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore:Editable installation"
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
    echo "Installing LibreOffice (libreoffice-calc-nogui), poppler-utils and python3-uno (one LibreOffice kept running for verify) with apt-get ..." >&2
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q libreoffice-calc-nogui poppler-utils python3-uno >/dev/null
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
