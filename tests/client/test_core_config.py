"""Settings and URL safety rules of the core (no I/O)."""

from __future__ import annotations

import pytest

from py_autotask import AsyncAutotaskClient, AutotaskClient, ConfigurationError
from py_autotask._core.config import (
    ClientConfig,
    Credentials,
    env_settings,
    is_loopback,
    normalize_base_url,
    require_safe_url,
    same_origin,
)
from py_autotask._core.retry import RetryPolicy

SECRET = "s3cr3t-Value-Never-Shown"
CODE = "INTEGRATION-CODE-27-CHARSXX"


@pytest.mark.parametrize(
    "given",
    [
        "https://webservices15.autotask.net",
        "https://webservices15.autotask.net/",
        "https://webservices15.autotask.net/ATServicesRest",
        "https://webservices15.autotask.net/ATServicesRest/",
        "https://webservices15.autotask.net/atservicesrest/v1.0",
        "https://webservices15.autotask.net/ATServicesRest/V1.0/",
        "HTTPS://WebServices15.Autotask.net/ATSERVICESREST/V1.0//",
    ],
)
def test_base_url_spellings_normalize_to_one_root(given: str) -> None:
    assert normalize_base_url(given) == "https://webservices15.autotask.net/ATServicesRest/"


def test_a_configured_base_url_names_its_zone() -> None:
    client = AutotaskClient(username="u", secret=SECRET, integration_code=CODE, cache=False,
                            base_url="https://webservices19.autotask.net")
    assert client.zone is not None and client.zone.name == "EU1 (English Europe and Asia)"


def test_base_url_keeps_a_path_prefix_and_port() -> None:
    assert normalize_base_url("http://127.0.0.1:8080/proxy/ATServicesRest/V1.0") == (
        "http://127.0.0.1:8080/proxy/ATServicesRest/"
    )


@pytest.mark.parametrize("url", ["http://webservices15.autotask.net", "http://10.0.0.5/ATServicesRest",
                                 "http://api.localhost:9000/", "http://localhost.evil.example/"])
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        normalize_base_url(url)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.5.5.5"])
def test_plain_http_to_loopback_is_allowed(host: str) -> None:
    assert normalize_base_url(f"http://{host}:9000/").startswith("http://")


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("webservices2.autotask.net") and not is_loopback("192.168.1.1")


@pytest.mark.parametrize("url", ["ftp://host/x", "webservices2.autotask.net", "https://user:pw@host/"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        require_safe_url(url, "base_url")


def test_same_origin_compares_scheme_host_and_port() -> None:
    root = "https://webservices15.autotask.net/ATServicesRest/V1.0/"
    assert same_origin("https://WEBSERVICES15.autotask.net:443/x", root)
    assert not same_origin("https://webservices16.autotask.net/x", root)
    assert not same_origin("http://webservices15.autotask.net/x", root)
    assert not same_origin("https://webservices15.autotask.net:8443/x", root)


def test_zone_lookup_url_must_be_safe_too() -> None:
    with pytest.raises(ConfigurationError):
        AutotaskClient(username="u", secret=SECRET, integration_code=CODE, cache=False,
                       zone_lookup_url="http://example.com/zoneInformation")


def test_missing_credentials_are_named() -> None:
    with pytest.raises(ConfigurationError, match="secret"):
        Credentials("user@example.com", "", CODE)


def test_secret_and_code_never_in_reprs() -> None:
    creds = Credentials("api@example.com", SECRET, CODE)
    config = ClientConfig.build(username="api@example.com", secret=SECRET, integration_code=CODE,
                                base_url=None, zone_lookup_url=None, impersonation_resource_id=None,
                                timeout=None, retry=RetryPolicy())
    for client_cls in (AutotaskClient, AsyncAutotaskClient):
        client = client_cls(username="api@example.com", secret=SECRET, integration_code=CODE, cache=False,
                            base_url="https://webservices15.autotask.net")
        for text in (repr(creds), str(creds), repr(config), repr(client), repr(client.tickets),
                     repr(client.with_options(max_retries=0))):
            assert SECRET not in text and CODE not in text
        assert "api@example.com" in repr(client)


def test_env_settings_reads_every_variable() -> None:
    env = {
        "AUTOTASK_USERNAME": "api@example.com",
        "AUTOTASK_SECRET": SECRET,
        "AUTOTASK_INTEGRATION_CODE": CODE,
        "AUTOTASK_BASE_URL": "https://webservices14.autotask.net",
        "AUTOTASK_IMPERSONATION_RESOURCE_ID": "29682885",
        "AUTOTASK_ZONE_LOOKUP_URL": "http://127.0.0.1:1/zoneInformation",
    }
    settings = env_settings(env)
    assert settings["impersonation_resource_id"] == 29682885
    client = AutotaskClient.from_env(env, cache=False)
    assert client.base_url == "https://webservices14.autotask.net/ATServicesRest/"
    assert client.config.impersonation_resource_id == 29682885
    assert client.config.zone_lookup_url == "http://127.0.0.1:1/zoneInformation"


def test_env_settings_names_what_is_missing() -> None:
    with pytest.raises(ConfigurationError, match="AUTOTASK_SECRET.*AUTOTASK_INTEGRATION_CODE"):
        env_settings({"AUTOTASK_USERNAME": "x"})
    with pytest.raises(ConfigurationError, match="integer"):
        env_settings({"AUTOTASK_USERNAME": "x", "AUTOTASK_SECRET": "y", "AUTOTASK_INTEGRATION_CODE": "z",
                      "AUTOTASK_IMPERSONATION_RESOURCE_ID": "abc"})


def test_with_options_changes_settings_and_shares_state() -> None:
    client = AutotaskClient(username="u", secret=SECRET, integration_code=CODE, cache=False,
                            base_url="https://webservices15.autotask.net", max_retries=2)
    assert client.config.retry.max_retries == 2
    other = client.with_options(max_retries=0, timeout=5, impersonation_resource_id=7)
    assert other.config.retry.max_retries == 0
    assert other.config.timeout.read == 5
    assert other.config.impersonation_resource_id == 7
    assert client.config.impersonation_resource_id is None
    assert other.runtime is client.runtime
    assert other.tickets is not client.tickets and other.tickets.spec == client.tickets.spec
    assert other.with_options(impersonation_resource_id=None).config.impersonation_resource_id is None
    other.close()  # does not close the shared pool
    assert not client._http.is_closed
    client.close()
    assert client._http.is_closed


def test_transport_and_http_client_are_exclusive() -> None:
    import httpx

    with pytest.raises(ConfigurationError):
        AutotaskClient(username="u", secret=SECRET, integration_code=CODE, cache=False,
                       transport=httpx.MockTransport(lambda r: httpx.Response(200)), http_client=httpx.Client())
