#!/usr/bin/env bash
# Conformance suite of snapform-emulator: the official Python SDKs, unchanged but for the
# endpoint, against the emulator binary. Creates (or reuses) a venv under target/, installs the
# pinned SDKs, builds and starts the emulator on a free loopback port, runs the suite, stops the
# emulator. Exits non-zero when anything fails. Needs python3 (with venv) and PyPI access.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/emulator-conformance-venv"

if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

(cd "$root" && cargo build --quiet -p snapform-emulator --bin snapform-emulator)

log="$(mktemp)"
"$target/debug/snapform-emulator" --listen 127.0.0.1:0 --ready-after 1s --rate-limit 20 2>"$log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

endpoint=""
for _ in $(seq 1 100); do
  endpoint="$(sed -n 's|.*listening on http://\([0-9.:]*\).*|\1|p' "$log" | head -n 1)"
  [ -n "$endpoint" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    echo "conformance: the emulator exited before listening" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$endpoint" ]; then
  echo "conformance: the emulator did not start listening" >&2
  exit 1
fi

SNAPFORM_EMULATOR_ENDPOINT="$endpoint" "$venv/bin/python" "$here/test_conformance.py"
