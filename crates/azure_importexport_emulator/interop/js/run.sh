#!/usr/bin/env bash
# The official JavaScript SDK's everyday flows against `azie emulator` (opt-in: needs node
# and the npm registry; not part of CI). The pinned SDK is installed under target/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
modules="$here/../../../../target/js-sdk"
mkdir -p "$modules"
npm install --silent --no-save --prefix "$modules" "@azure/arm-storageimportexport@2.1.0"
NODE_PATH="$modules/node_modules" "$here/../with-emulator.sh" node "$here/flows.js"
