#!/usr/bin/env bash
# The official Python SDK's everyday flows against `azie emulator` (opt-in: needs python3
# and PyPI; not part of CI). A venv under target/ holds the pinned SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../../../target/python-sdk-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "azure-mgmt-storageimportexport==1.0.0b2"
"$here/../with-emulator.sh" "$venv/bin/python" "$here/flows.py"
