#!/usr/bin/env bash
# Conformance suites of snapform-emulator: official clients, unchanged but for the endpoint,
# against the emulator binary.
#
#   python  the official Python SDKs over http, and https as the banner says to trust the CA
#           (test_conformance.py), in a venv under target/
#   tccli   the official Tencent Cloud CLI over https (test_tccli.py), in a venv of its own
#   node    the official Node.js SDKs over http and https (node/*.test.js, `node --test`),
#           installed with `npm ci` from node/package-lock.json under target/
#
# With no argument it runs all three; `run.sh node` (or any subset) runs those. It installs
# what is missing (reusing what target/ already holds), builds and starts one emulator on a
# free loopback port with its CA in a temporary directory, runs the suites, stops the
# emulator, and exits non-zero when any suite fails. Needs python3 (with venv), node 20+ and
# npm, and PyPI and npm registry access the first time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(python tccli node)
fi
wants() {
  local suite
  for suite in "${suites[@]}"; do
    [ "$suite" = "$1" ] && return 0
  done
  return 1
}
for suite in "${suites[@]}"; do
  case "$suite" in
    python | tccli | node) ;;
    *)
      echo "conformance: unknown suite '$suite' (python, tccli, node)" >&2
      exit 2
      ;;
  esac
done

# A venv under target/ with the packages of a requirements file, reused when present.
venv_with() {
  local venv="$1" requirements="$2"
  if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
}

sdk_venv="$target/emulator-conformance-venv"
tccli_venv="$target/emulator-conformance-tccli"
node_dir="$target/emulator-conformance-node"
if wants python || wants tccli; then
  # test_tccli.py uses only the standard library, so it runs on the SDK venv's python too.
  venv_with "$sdk_venv" "$here/requirements.txt"
fi
if wants tccli; then
  venv_with "$tccli_venv" "$here/tccli-requirements.txt"
fi
if wants node; then
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "conformance: $tool is missing: the Node.js suite needs node 20+ and npm" >&2
      exit 1
    fi
  done
  # npm ci reinstalls from scratch; skip it when the lock file is the one already installed.
  mkdir -p "$node_dir"
  if ! cmp -s "$here/node/package-lock.json" "$node_dir/node_modules/.snapform-lock.json"; then
    cp "$here/node/package.json" "$here/node/package-lock.json" "$node_dir/"
    npm ci --prefix "$node_dir" --no-audit --no-fund --loglevel=error
    cp "$here/node/package-lock.json" "$node_dir/node_modules/.snapform-lock.json"
  fi
fi

(cd "$root" && cargo build --quiet -p snapform-emulator --bin snapform-emulator)

scratch="$(mktemp -d)"
log="$scratch/emulator.log"
ca_file="$scratch/ca/ca.pem"
"$target/debug/snapform-emulator" --listen 127.0.0.1:0 --ready-after 1s --rate-limit 20 \
  --ca-dir "$scratch/ca" 2>"$log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$scratch"
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
# The banner is printed once the CA exists; check that it names the file the suites trust.
if ! grep -qF "export NODE_EXTRA_CA_CERTS=$ca_file" "$log"; then
  cat "$log" >&2
  echo "conformance: the banner does not name the CA file $ca_file" >&2
  exit 1
fi
export SNAPFORM_EMULATOR_ENDPOINT="$endpoint" SNAPFORM_EMULATOR_CA_FILE="$ca_file"

failed=()
run_suite() {
  local name="$1"
  shift
  printf '\n--- %s\n' "$name"
  if ! "$@"; then
    failed+=("$name")
  fi
}

if wants python; then
  run_suite python "$sdk_venv/bin/python" "$here/test_conformance.py"
fi
if wants tccli; then
  # tccli verifies certificates against the certifi bundle of its own Python only (it passes
  # that file to requests explicitly, so REQUESTS_CA_BUNDLE and SSL_CERT_FILE do nothing).
  # Trust the emulator's CA the way a tccli user must: add it to that bundle. The pristine
  # bundle is kept beside it, so each run adds only this run's CA.
  bundle="$("$tccli_venv/bin/python" -m certifi)"
  [ -f "$bundle.snapform-orig" ] || cp "$bundle" "$bundle.snapform-orig"
  cat "$bundle.snapform-orig" "$ca_file" >"$bundle"
  run_suite tccli env SNAPFORM_TCCLI="$tccli_venv/bin/tccli" "$sdk_venv/bin/python" "$here/test_tccli.py"
fi
if wants node; then
  # NODE_EXTRA_CA_CERTS adds the emulator's CA for https.test.js; the http tests ignore it.
  run_suite node env NODE_PATH="$node_dir/node_modules" NODE_EXTRA_CA_CERTS="$ca_file" \
    node --test --test-concurrency=1 --test-reporter=spec \
    "$here/node/tencent.test.js" "$here/node/alibaba.test.js" "$here/node/https.test.js"
fi

printf '\n'
if [ ${#failed[@]} -gt 0 ]; then
  echo "conformance: failed: ${failed[*]}" >&2
  exit 1
fi
echo "conformance: all passed (${suites[*]})"
