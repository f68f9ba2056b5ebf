"""Credentials never follow a redirect, even through a caller's own httpx client that follows redirects.

httpx strips `Authorization` on a cross-origin redirect, but not Autotask's custom `Secret`,
`UserName` and `ApiIntegrationCode` headers, so the client must not let httpx follow redirects at all.
The two hosts are played by one transport (the network), not by a stand-in for our code.
"""

from __future__ import annotations

import httpx
import pytest

from py_autotask import AsyncAutotaskClient, AutotaskClient, AutotaskError

API = "https://webservices1.autotask.net/ATServicesRest/"
ELSEWHERE = "https://collector.example.com/steal"


def _network(seen: list[tuple[str, str | None]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("Secret")))
        if request.url.host == "webservices1.autotask.net":
            return httpx.Response(302, headers={"Location": ELSEWHERE})
        return httpx.Response(200, json={"item": None})

    return httpx.MockTransport(handle)


def test_sync_client_does_not_follow_redirects_of_a_callers_http_client() -> None:
    seen: list[tuple[str, str | None]] = []
    http = httpx.Client(transport=_network(seen), follow_redirects=True)
    with http, AutotaskClient(username="u@example.com", secret="s3cr3t-value", integration_code="CODE",
                              base_url=API, http_client=http, budget=False, cache=False) as client:
        with pytest.raises(AutotaskError):
            client.request("GET", "Tickets/1")
    assert [host for host, _ in seen] == ["webservices1.autotask.net"]
    assert all(secret is None for host, secret in seen if host != "webservices1.autotask.net")


@pytest.mark.anyio
async def test_async_client_does_not_follow_redirects_of_a_callers_http_client() -> None:
    seen: list[tuple[str, str | None]] = []
    http = httpx.AsyncClient(transport=_network(seen), follow_redirects=True)
    async with http, AsyncAutotaskClient(username="u@example.com", secret="s3cr3t-value",
                                         integration_code="CODE", base_url=API, http_client=http,
                                         budget=False, cache=False) as client:
        with pytest.raises(AutotaskError):
            await client.request("GET", "Tickets/1")
    assert [host for host, _ in seen] == ["webservices1.autotask.net"]
