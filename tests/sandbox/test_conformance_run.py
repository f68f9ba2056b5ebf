"""Must-have 9: the ways to run the sandbox — ASGI app, sync/async in-process transports, uvicorn on a
thread, and ``autotask-sandbox serve`` (``python -m autotask_sandbox serve``) (loopback only unless --allow-remote)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import autotask_sandbox as sandbox_pkg
import httpx
import pytest
from autotask_sandbox import Sandbox
from autotask_sandbox.drivers.cli import main, read_environment

ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}]}


@pytest.mark.anyio
async def test_plain_asgi_app(sandbox: Sandbox) -> None:
    sent: list[dict] = []
    body = b'{"filter":[{"op":"gte","field":"id","value":0}]}'
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return messages.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/ATServicesRest/V1.0/Tickets/query/count",
        "raw_path": b"/ATServicesRest/V1.0/Tickets/query/count",
        "query_string": b"",
        "headers": [
            (b"host", b"asgi.test"),
            *((k.lower().encode(), v.encode()) for k, v in sandbox.headers().items()),
        ],
        "server": ("asgi.test", 80),
    }
    await sandbox.asgi(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert (b"content-type", b"application/json; charset=utf-8") in sent[0]["headers"]
    assert sent[1]["body"].startswith(b'{"queryCount":')


@pytest.mark.anyio
async def test_async_and_sync_transports_share_state(sandbox: Sandbox) -> None:
    base = "https://sandbox.local/ATServicesRest/"
    async with httpx.AsyncClient(
        transport=sandbox.async_transport(), base_url=base, headers=sandbox.headers()
    ) as aclient:
        async_count = (await aclient.post("V1.0/Tickets/query/count", json=ALL)).json()
        await anyio.sleep(0)
    with httpx.Client(transport=sandbox.transport(), base_url=base, headers=sandbox.headers()) as client:
        assert client.post("V1.0/Tickets/query/count", json=ALL).json() == async_count
    assert [e["action"] for e in sandbox.control.request_log] == ["countPost", "countPost"]


def test_background_server_and_module_serve(sandbox: Sandbox) -> None:
    with sandbox.serve(port=0) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith(
            "/ATServicesRest/"
        )
        zone = httpx.get(
            server.zone_lookup_url, params={"user": server.credentials["username"]}, trust_env=False
        )
        assert zone.json()["url"] == server.base_url
    with sandbox_pkg.serve(tickets=50, seed=3) as other:
        assert other.sandbox is not None and other.sandbox is not sandbox
        count = httpx.post(
            f"{other.base_url}V1.0/Tickets/query/count",
            json=ALL,
            trust_env=False,
            headers=other.sandbox.headers(),
        )
        assert count.json() == {"queryCount": 50}


def test_cli_refuses_remote_binds_and_bad_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert main(["serve", "--faults", "explode=1"]) == 2


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    src = Path(sandbox_pkg.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autotask_sandbox",
            "serve",
            "--port",
            "0",
            "--tickets",
            "100",
            "--latency-ms",
            "1",
            "--threshold",
            "500",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        lines = read_environment(proc.stdout)
        assert "AUTOTASK_INTEGRATION_CODE" in lines, proc.stderr.read() if proc.stderr else "server exited"
        assert lines["AUTOTASK_ZONE_LOOKUP_URL"] == f"{lines['AUTOTASK_BASE_URL']}V1.0/zoneInformation"
        zone = httpx.get(
            lines["AUTOTASK_ZONE_LOOKUP_URL"], params={"user": lines["AUTOTASK_USERNAME"]}, trust_env=False
        ).json()
        assert zone["url"] == lines["AUTOTASK_BASE_URL"]
        auth = {
            "ApiIntegrationCode": lines["AUTOTASK_INTEGRATION_CODE"],
            "UserName": lines["AUTOTASK_USERNAME"],
            "Secret": lines["AUTOTASK_SECRET"],
        }
        info = httpx.get(f"{zone['url']}V1.0/ThresholdInformation", headers=auth, trust_env=False).json()
        assert info["externalRequestThreshold"] == 500
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, proc.stderr.read() if proc.stderr else ""
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
