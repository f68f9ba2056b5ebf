"""``autotask-sandbox serve`` for shells: ``export`` lines to eval, ``--env-file`` to source, every option
documented in ``--help``, and a port in use as a one-line error (exit 2)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from autotask_sandbox.drivers.cli import build_parser, export_lines, main, read_environment, serve_parser

SANDBOX_SRC = str(Path(__file__).resolve().parents[2] / "sandbox" / "src")


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    options = [a for a in serve_parser(build_parser())._actions if a.option_strings]
    assert len(options) >= 14
    undocumented = [a.option_strings[0] for a in options if not (a.help or "").strip()]
    assert undocumented == []
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for action in options:
        assert action.option_strings[-1] in out
    assert "exit status" in out.lower() and "--env-file" in out


def test_a_port_in_use_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        assert main(["serve", "--port", str(port), "--tickets", "10"]) == 2
        assert time.monotonic() - started < 5  # refused before the tenant is built
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err and "in use" in err


def test_stdout_evals_and_the_env_file_sources_to_the_same_environment(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    env = {**os.environ, "PYTHONPATH": SANDBOX_SRC}
    with subprocess.Popen(
        [sys.executable, "-m", "autotask_sandbox", "serve", "--port", "0", "--tickets", "50",
         "--env-file", str(env_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    ) as proc:
        try:
            assert proc.stdout is not None
            exports = []
            while not any("AUTOTASK_INTEGRATION_CODE" in line for line in exports):
                line = proc.stdout.readline()
                assert line, proc.stderr.read() if proc.stderr else "server exited"
                exports.append(line)
            assert env_file.exists() and stat.S_IMODE(env_file.stat().st_mode) == 0o600
            show = 'printf "%s\\n" "$AUTOTASK_BASE_URL" "$AUTOTASK_ZONE_LOOKUP_URL" "$AUTOTASK_USERNAME" ' \
                   '"$AUTOTASK_SECRET" "$AUTOTASK_INTEGRATION_CODE"'
            clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_")}
            evaluated = subprocess.run(["bash", "-c", f'eval "$1"; {show}', "_", "".join(exports)],
                                       capture_output=True, text=True, env=clean, check=True).stdout.split("\n")
            sourced = subprocess.run(["bash", "-c", f'. "$1"; {show}', "_", str(env_file)],
                                     capture_output=True, text=True, env=clean, check=True).stdout.split("\n")
            assert evaluated == sourced and all(evaluated[:5])
            names = ["AUTOTASK_BASE_URL", "AUTOTASK_ZONE_LOOKUP_URL", "AUTOTASK_USERNAME", "AUTOTASK_SECRET",
                     "AUTOTASK_INTEGRATION_CODE"]
            assert read_environment(exports) == dict(zip(names, evaluated[:5], strict=True))  # as a shell reads them
            base, zone_url, user, secret, code = evaluated[:5]
            zone = httpx.get(zone_url, params={"user": user}, trust_env=False).json()
            assert zone["url"] == base
            headers = {"UserName": user, "Secret": secret, "ApiIntegrationCode": code}
            assert httpx.get(f"{base}V1.0/Tickets/query/count", headers=headers, trust_env=False,
                             params={"search": '{"filter":[{"op":"exist","field":"id"}]}'}).json() == {"queryCount": 50}
        finally:
            proc.terminate()
            proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert not env_file.exists()  # removed when the server stops: a later script never sources a dead one


def test_read_environment_is_the_inverse_of_export_lines() -> None:
    # What tests and benchmarks use to read a running `serve`'s stdout: shell quoting undone, comments
    # passed over, and no line read past the last variable (the pipe stays with the caller).
    variables = {"AUTOTASK_BASE_URL": "http://127.0.0.1:1/ATServicesRest/", "AUTOTASK_SECRET": "a b'c\"$d\\",
                 "AUTOTASK_USERNAME": "", "AUTOTASK_INTEGRATION_CODE": "CODE"}
    lines = iter(["# a comment\n", *export_lines(variables).splitlines(keepends=True), "# control API …\n"])
    assert read_environment(lines) == variables
    assert next(lines) == "# control API …\n"
    assert read_environment(["export AUTOTASK_BASE_URL=x\n"]) == {"AUTOTASK_BASE_URL": "x"}  # the server exited
