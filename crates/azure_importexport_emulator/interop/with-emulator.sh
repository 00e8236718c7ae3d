#!/usr/bin/env bash
# Runs a command against a fresh `azie emulator`: builds azie, starts the emulator on
# 127.0.0.1:$PORT (default 18931), waits for its port (bounded), runs the command with the
# emulator's URL as its last argument, and stops the emulator.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
port="${PORT:-18931}"
cargo build --release -q -p azie --manifest-path "$root/Cargo.toml"
"$root/target/release/azie" emulator --port "$port" >/dev/null 2>"$root/target/interop-emulator.log" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
# Bounded wait for the port: 50 x 0.1 s.
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
timeout 120 "$@" "http://127.0.0.1:$port"
