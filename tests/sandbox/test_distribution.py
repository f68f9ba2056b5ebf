"""The sandbox stands alone: ``pip install ./sandbox`` into an empty venv, with py_autotask absent, gives a
working ``autotask-sandbox serve`` and a pytest plugin whose fixtures a test file can use unconfigured.

pip resolves the dependencies (httpx, anyio, orjson, uvicorn, pytest) from its configured index and cache;
the venv is created without pip of its own (the suite's pip installs into it with ``--python``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from autotask_sandbox.drivers.cli import read_environment

DIST = Path(__file__).resolve().parents[2] / "sandbox"

PLUGIN_TEST = '''
import httpx


def test_in_process(autotask_sandbox):
    client = httpx.Client(transport=autotask_sandbox.transport(),
                          base_url="https://sandbox.local/ATServicesRest/", headers=autotask_sandbox.headers())
    count = client.get("V1.0/Tickets/query/count", params={"search": '{"filter":[{"op":"gte","field":"id","value":0}]}'})
    assert count.json() == {"queryCount": 1000}


def test_on_a_port(autotask_sandbox_server, autotask_sandbox_env):
    assert autotask_sandbox_env["AUTOTASK_BASE_URL"] == autotask_sandbox_server.base_url
    zone = httpx.get(autotask_sandbox_env["AUTOTASK_ZONE_LOOKUP_URL"],
                     params={"user": autotask_sandbox_env["AUTOTASK_USERNAME"]}, trust_env=False)
    assert zone.json()["url"] == autotask_sandbox_server.base_url


def test_pinned_clock(autotask_sandbox):
    assert autotask_sandbox.start_time.isoformat() == "2025-06-02T09:00:00+00:00"
'''


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("dist") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", str(DIST), "pytest"],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_the_venv_has_no_client(fresh_venv: Path) -> None:
    probe = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", "import py_autotask"], capture_output=True, text=True, env=_env()
    )
    assert "No module named 'py_autotask'" in probe.stderr


def test_autotask_sandbox_serve_answers(fresh_venv: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [str(fresh_venv / "bin" / "autotask-sandbox"), "serve", "--port", "0", "--tickets", "100",
         "--now", "2025-06-02T09:00:00Z"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        lines = read_environment(proc.stdout)
        assert "AUTOTASK_INTEGRATION_CODE" in lines, proc.stderr.read() if proc.stderr else "server exited"
        headers = {"UserName": lines["AUTOTASK_USERNAME"], "Secret": lines["AUTOTASK_SECRET"],
                   "ApiIntegrationCode": lines["AUTOTASK_INTEGRATION_CODE"]}
        count = httpx.get(f"{lines['AUTOTASK_BASE_URL']}V1.0/Tickets/query/count", headers=headers, trust_env=False,
                          params={"search": '{"filter":[{"op":"gte","field":"id","value":0}]}'})
        assert count.json() == {"queryCount": 100}
    finally:
        proc.terminate()
        proc.communicate(timeout=15)  # waits and closes the pipes
    assert proc.returncode == 0


def test_a_test_file_using_only_the_plugin_passes(fresh_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_uses_plugin.py").write_text(textwrap.dedent(PLUGIN_TEST))
    run = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_uses_plugin.py"],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout
