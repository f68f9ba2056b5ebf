"""Zone detection (no I/O): the zoneInformation request, its answer, and the 22 known zones.

Autotask hosts each tenant in one of ~22 zones (`webservicesN.autotask.net`). When no base URL is
configured, the client asks `zoneInformation?user=<username>` once (no credentials are sent: the
endpoint takes none) and uses the `url` it returns. The answer is checked like a configured URL:
HTTPS unless loopback. The table of known zones comes from `spec/zones.json` via the generator.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

from .._catalog import load_zones
from .._exceptions import ConfigurationError
from .config import ClientConfig, normalize_base_url
from .requests import Call

__all__ = ["Zone", "known_zones", "parse_zone", "zone_for_url", "zone_lookup_call"]


@dataclasses.dataclass(frozen=True)
class Zone:
    """Where a tenant's API lives: `url` is the normalized root (`…/ATServicesRest/`)."""

    name: str
    url: str
    web_url: str | None = None
    ci: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for caches (no credentials inside)."""
        return {"zoneName": self.name, "url": self.url, "webUrl": self.web_url, "ci": self.ci}


def known_zones() -> list[Zone]:
    """Every zone Autotask documents, from the generated table."""
    return [Zone(z["zoneName"], z["url"]) for z in load_zones()]


def zone_for_url(url: str) -> Zone | None:
    """The documented zone whose host serves `url`, if any (case-insensitive host match)."""
    host = (urlsplit(url).hostname or "").lower()
    for zone in load_zones():
        if zone["host"] == host:
            return Zone(zone["zoneName"], zone["url"])
    return None


def zone_lookup_call(config: ClientConfig) -> Call:
    """`GET <zone lookup URL>?user=<username>`, sent without credentials."""
    return Call(
        "GET",
        config.zone_lookup_url,
        kind="zone",
        endpoint="ZoneInformation",
        params={"user": config.credentials.username},
        authenticated=False,
    )


def parse_zone(payload: Any) -> Zone:
    """A Zone from `{"zoneName", "url", "webUrl", "ci"}`; the URL must pass the same checks as base_url."""
    if not isinstance(payload, dict):
        raise ConfigurationError("zoneInformation answered without a JSON object")
    fields = {k.lower(): v for k, v in payload.items()}
    url = fields.get("url")
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"zoneInformation returned no API url: {payload!r}")
    try:
        root = normalize_base_url(url)
    except ConfigurationError as exc:
        raise ConfigurationError(f"zoneInformation returned an unusable API url: {exc}") from None
    ci = fields.get("ci")
    return Zone(
        name=str(fields.get("zonename") or ""),
        url=root,
        web_url=fields.get("weburl") if isinstance(fields.get("weburl"), str) else None,
        ci=ci if isinstance(ci, int) else None,
    )
