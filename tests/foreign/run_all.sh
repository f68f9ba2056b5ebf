#!/usr/bin/env bash
# Run third-party Autotask clients, unchanged, against the sandbox and print a PASS/FAIL table.
# Opt-in (installs PyPI/npm packages into /tmp); see README.md in this folder.
#
#   bash tests/foreign/run_all.sh            # every client
#   bash tests/foreign/run_all.sh atrest     # only the named drivers
#
# Environment: FOREIGN_VENV (/tmp/foreign-venv), FOREIGN_NODE (/tmp/foreign-node), FOREIGN_OUT
# (/tmp/foreign-out: results, wire logs, sandbox log), FOREIGN_PORT (a free port), FOREIGN_PYTHON (a
# Python >= 3.12 for the foreign venv; autotask-client requires it), FOREIGN_TICKETS (1500).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${FOREIGN_VENV:-/tmp/foreign-venv}"
NODE_DIR="${FOREIGN_NODE:-/tmp/foreign-node}"
OUT="${FOREIGN_OUT:-/tmp/foreign-out}"
TICKETS="${FOREIGN_TICKETS:-1500}"
SANDBOX_PY="$REPO/.venv/bin/python"
PIDS=()

# Pinned: the versions this suite was written against (their quirks are described in each driver).
PY_PACKAGES=(autotask-client==0.3.1 atrest==1.0.2 py-autotask==2.3.0 django-autotask==1.20.0)
NPM_PACKAGES=(@apigrate/autotask-restapi@2.0.1)

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

die() { echo "run_all.sh: $*" >&2; exit 2; }

find_python312() {
  if [[ -n "${FOREIGN_PYTHON:-}" ]]; then echo "$FOREIGN_PYTHON"; return; fi
  local cand
  for cand in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[23]*/bin/python /usr/local/bin/python3.1[23] python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$cand"; return
    fi
  done
  return 1
}

setup_python() {
  if ! "$VENV/bin/python" -c 'import autotask.client, atrest.client, py_autotask, djautotask.api' 2>/dev/null; then
    local py
    py="$(find_python312)" || die "no Python >= 3.12 found (autotask-client needs it); set FOREIGN_PYTHON"
    echo "== creating $VENV with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || die "venv creation failed"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}" \
      || die "pip install of the foreign clients failed"
  fi
}

setup_node() {
  command -v node >/dev/null || { echo "== node not found: the apigrate client will be skipped"; return 1; }
  if [[ ! -d "$NODE_DIR/node_modules/@apigrate/autotask-restapi" ]]; then
    echo "== installing ${NPM_PACKAGES[*]} into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    (cd "$NODE_DIR" && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
      npm install --silent --no-audit --no-fund "${NPM_PACKAGES[@]}") || die "npm install failed"
  fi
}

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_sandbox() {
  [[ -x "$SANDBOX_PY" ]] || die "$SANDBOX_PY missing: run 'make install' first"
  PORT="${FOREIGN_PORT:-$(free_port)}"
  echo "== starting the sandbox on 127.0.0.1:$PORT ($TICKETS tickets)"
  (cd "$REPO" && PYTHONPATH=sandbox/src exec "$SANDBOX_PY" -m autotask_sandbox serve --port "$PORT" --tickets "$TICKETS" \
      >"$OUT/sandbox.out" 2>"$OUT/sandbox.err") &
  PIDS+=($!)
  local i
  for i in $(seq 1 240); do
    grep -q '^export AUTOTASK_INTEGRATION_CODE=' "$OUT/sandbox.out" 2>/dev/null && break
    kill -0 "${PIDS[-1]}" 2>/dev/null || { tail -20 "$OUT/sandbox.err" >&2; die "the sandbox exited"; }
    sleep 0.5
  done
  grep -q '^export AUTOTASK_INTEGRATION_CODE=' "$OUT/sandbox.out" || die "the sandbox did not start in 120 s"
  set -a
  # shellcheck disable=SC1090
  source <(grep '^export AUTOTASK_' "$OUT/sandbox.out")
  set +a
  SANDBOX_ROOT="$AUTOTASK_BASE_URL"
}

reset_sandbox() {
  "$VENV/bin/python" - "$SANDBOX_ROOT" <<'EOF' || die "sandbox reset failed"
import sys, urllib.request
origin = sys.argv[1].split("/ATServicesRest/")[0]
urllib.request.urlopen(urllib.request.Request(origin + "/_sandbox/reset", data=b"{}", method="POST"), timeout=120)
EOF
}

run_driver() {  # name, command...
  local name="$1"; shift
  local log="$OUT/$name.wire.jsonl"
  rm -f "$log" "$OUT/$name.json"
  reset_sandbox
  "$VENV/bin/python" "$HERE/wirelog_proxy.py" --upstream "${SANDBOX_ROOT%/ATServicesRest/}" --log "$log" \
      >"$OUT/$name.proxy.out" 2>&1 &
  local proxy=$!
  PIDS+=($proxy)
  local i
  for i in $(seq 1 50); do grep -q PROXY_PORT "$OUT/$name.proxy.out" && break; sleep 0.1; done
  local pport
  pport="$(sed -n 's/^PROXY_PORT=//p' "$OUT/$name.proxy.out")"
  echo
  echo "== $name"
  (cd "$HERE" && FOREIGN_ROOT="http://127.0.0.1:$pport/ATServicesRest/" FOREIGN_SANDBOX_ROOT="$SANDBOX_ROOT" \
     FOREIGN_WIRELOG="$log" FOREIGN_OUT="$OUT" timeout 600 "$@")
  STATUS+=("$name=$?")
  kill "$proxy" 2>/dev/null
}

main() {
  mkdir -p "$OUT"
  local want=("$@")
  selected() { [[ ${#want[@]} -eq 0 ]] || [[ " ${want[*]} " == *" $1 "* ]]; }
  setup_python
  local have_node=0
  if selected apigrate-autotask-restapi; then setup_node && have_node=1; fi
  start_sandbox
  STATUS=()
  selected autotask-client && run_driver autotask-client "$VENV/bin/python" drive_autotask_client.py
  selected atrest && run_driver atrest "$VENV/bin/python" drive_atrest.py
  selected py-autotask-2.3.0 && run_driver py-autotask-2.3.0 "$VENV/bin/python" -W ignore drive_py_autotask_230.py
  selected django-autotask && run_driver django-autotask "$VENV/bin/python" drive_django_autotask.py
  if [[ $have_node -eq 1 ]]; then
    run_driver apigrate-autotask-restapi env NODE_PATH="$NODE_DIR/node_modules" node drive_apigrate.cjs
  fi
  [[ ${#STATUS[@]} -gt 0 ]] || die "no driver selected (names: autotask-client atrest py-autotask-2.3.0 django-autotask apigrate-autotask-restapi)"
  "$VENV/bin/python" "$HERE/report_table.py" "$OUT" "${STATUS[@]}"
  local rc=$?
  echo
  echo "results, wire logs (every request/response, secrets redacted) and the sandbox log: $OUT"
  return $rc
}

main "$@"
