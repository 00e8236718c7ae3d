#!/usr/bin/env bash
# The official Python SDK's everyday flows against `azie emulator` (opt-in: needs python3
# and PyPI; not part of CI). A venv under target/ holds the pinned SDK.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
venv="$root/target/python-sdk-venv"
port="${PORT:-18931}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "azure-mgmt-storageimportexport==1.0.0b2"
cargo build --release -q -p azie --manifest-path "$root/Cargo.toml"
"$root/target/release/azie" emulator --port "$port" >/dev/null 2>"$venv/emulator.log" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
# Bounded wait for the port: 50 x 0.1 s.
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
timeout 120 "$venv/bin/python" "$here/flows.py" "http://127.0.0.1:$port"
