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
# editable_mode=compat: a .pth file puts this folder on the path (setuptools' default for this layout,
# a meta path finder, prints an "Editable installation" BuildBackendWarning on every install)
EDITABLE="--config-settings editable_mode=compat"
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q $EDITABLE -e '.[test]'
  if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
    echo "Installing LibreOffice (libreoffice-calc-nogui), poppler-utils and python3-uno (one LibreOffice kept running for verify) with apt-get ..." >&2
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q libreoffice-calc-nogui poppler-utils python3-uno >/dev/null
  fi
else
  .venv/bin/python -m pip install -q $EDITABLE -e .
fi
