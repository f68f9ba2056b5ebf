#!/usr/bin/env bash
# Run the test suite on every Python that pyproject.toml claims (3.10 … 3.13), one line of result each.
#
#   tools/test_matrix.sh                      # the whole suite on each available Python
#   tools/test_matrix.sh tests/query -x       # arguments go to pytest unchanged
#
# Each version gets its own venv ($MATRIX_VENV_DIR/venv310, venv311, …; default /tmp) with this checkout's
# client and sandbox installed editable, with every extra and the dev tools — as `make install` does, so the
# sandbox's pytest plugin is registered and no test is left out for a missing extra. A venv is rebuilt when
# either pyproject.toml changes.
# Interpreters are looked up in pyenv's versions directory, then as `pythonX.Y` on PATH; a version
# with no interpreter is reported as skipped and does not fail the run.
# Environment: MATRIX_PYTHONS ("3.10 3.11 3.12 3.13"), MATRIX_VENV_DIR (/tmp),
# MATRIX_LOG_DIR (/tmp/py-autotask-matrix: one full pytest log per version).
# Exit status: 0 when every available version passed, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHONS="${MATRIX_PYTHONS:-3.10 3.11 3.12 3.13}"
VENV_DIR="${MATRIX_VENV_DIR:-/tmp}"
LOG_DIR="${MATRIX_LOG_DIR:-/tmp/py-autotask-matrix}"
PYENV_VERSIONS="${PYENV_ROOT:-$HOME/.pyenv}/versions"
# What `make install` installs: the sandbox and the client (editable), every extra, the dev tools.
DEPS=(-e "$ROOT/sandbox" -e "$ROOT[all,dev]")

# The interpreter for version $1 (e.g. 3.10), or nothing: the newest pyenv build, else pythonX.Y on PATH.
find_python() {
    local version="$1" candidate
    local -a candidates=()
    if [[ -d "$PYENV_VERSIONS" ]]; then
        while IFS= read -r candidate; do
            candidates+=("$candidate/bin/python")
        done < <(find "$PYENV_VERSIONS" -maxdepth 1 -name "$version.*" | sort -V -r)
    fi
    candidate="$(command -v "python$version" 2>/dev/null)" && candidates+=("$candidate")
    for candidate in "${candidates[@]}"; do
        # pyenv shims exist for versions that are not selected: ask the interpreter what it really is.
        if [[ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "$version" ]]
        then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# Create (or refresh) the venv at $2 from interpreter $1; its install log goes to $3.
ensure_venv() {
    local python="$1" venv="$2" log="$3" stamp="$2/.matrix-deps" wanted
    wanted="${DEPS[*]} $(cat "$ROOT/pyproject.toml" "$ROOT/sandbox/pyproject.toml" | sha256sum)"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
        return 0
    fi
    {
        "$python" -m venv "$venv" &&
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${DEPS[@]}"
    } >"$log" 2>&1 || return 1
    echo "$wanted" >"$stamp"
}

# The last pytest summary line of log $1 (`12 passed, 1 failed in 3.4s`), without the ===== padding.
summary_of() {
    grep -E '([0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)|no tests ran)' "$1" \
        | tail -n 1 | sed -E 's/^=+ //; s/ =+$//'
}

mkdir -p "$LOG_DIR"
if (($# == 0)); then
    set -- -q -p no:cacheprovider
fi

failed=0
for version in $PYTHONS; do
    tag="${version/./}"
    if ! python="$(find_python "$version")"; then
        printf 'python %-8s SKIP  no interpreter found\n' "$version"
        continue
    fi
    full="$("$python" -c 'import platform; print(platform.python_version())')"
    venv="$VENV_DIR/venv$tag"
    log="$LOG_DIR/py$version.log"
    if ! ensure_venv "$python" "$venv" "$LOG_DIR/py$version.install.log"; then
        printf 'python %-8s FAIL  venv setup failed, see %s\n' "$full" "$LOG_DIR/py$version.install.log"
        failed=1
        continue
    fi
    started=$SECONDS
    (cd "$ROOT" && "$venv/bin/python" -m pytest "$@") >"$log" 2>&1
    status=$?
    result="$(summary_of "$log")"
    if ((status == 0)); then
        verdict=PASS
    else
        verdict=FAIL
        failed=1
    fi
    printf 'python %-8s %s  %s (exit %d, %ds, log %s)\n' "$full" "$verdict" "${result:-no pytest summary}" \
        "$status" $((SECONDS - started)) "$log"
done
exit "$failed"
