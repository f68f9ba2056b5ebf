"""Header authentication, impersonation and write permissions, with Autotask's failure statuses.

Autotask answers a bad username or integration code with HTTP 500 (texts :data:`UNKNOWN_USER`,
:data:`UNKNOWN_CODE`) and only a bad password with 401 (apigrate/autotask-restapi#19); the 401 body is
undocumented, so the sandbox sends ASP.NET's standard
``{"Message": "Authorization has been denied for this request."}``. Header names are matched
case-insensitively (the caller passes a lower-cased mapping). Secrets are compared in constant time and
never appear in a message.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError

if TYPE_CHECKING:
    from ..seed.build import ApiUser

H_CODE = "apiintegrationcode"
H_USER = "username"
H_SECRET = "secret"
H_IMPERSONATE = "impersonationresourceid"

# The live texts, as apigrate/autotask-restapi's README ("Error Handling") quotes them; py-autotask 2.3.0's
# auth module matches the first one too. An unknown user gets the zone-lookup text on entity calls as well.
UNKNOWN_USER = "Zone information could not be determined"
UNKNOWN_CODE = "IntegrationCode is invalid."
BAD_SECRET = "Authorization has been denied for this request."
NO_PERMISSION = "The logged in Resource does not have the adequate permissions to {verb} this entity type."
BAD_IMPERSONATION = (
    "The logged in Resource does not have the adequate permissions to impersonate "
    "resource {rid}: it does not exist or is not active."
)

# The access levels Autotask reports in entityInformation (0 None, 1 All, 2 Restricted).
ACCESS_LEVELS = {
    "full": {"create": 1, "delete": 1, "query": 1, "update": 1},
    "readonly": {"create": 0, "delete": 0, "query": 1, "update": 0},
}


@dataclass(frozen=True)
class Caller:
    """The authenticated API user of one request, and the resource it acts as on writes."""

    user: ApiUser
    impersonated_id: int | None = None  # set only when ImpersonationResourceId was sent and honoured

    @property
    def access(self) -> dict[str, int]:
        """``userAccessFor*`` levels keyed create/delete/query/update."""
        return dict(ACCESS_LEVELS.get(self.user.access, ACCESS_LEVELS["readonly"]))


class Authenticator:
    """Checks the three auth headers against the seeded API users."""

    def __init__(self, users: Iterable[ApiUser], *, permission_status: int = 500) -> None:
        self._by_name = {u.username.lower(): u for u in users}
        self.permission_status = permission_status

    def knows(self, username: str) -> bool:
        """Whether ``username`` is one of this database's API users (case-insensitive)."""
        return username.strip().lower() in self._by_name

    def authenticate(self, headers: Mapping[str, str]) -> ApiUser:
        """Return the API user named by the headers or raise Autotask's error for the first failure."""
        user = self._by_name.get(headers.get(H_USER, "").strip().lower())
        if user is None:
            raise ApiError(500, [UNKNOWN_USER])
        if not hmac.compare_digest(headers.get(H_SECRET, "").encode(), user.secret.encode()):
            raise ApiError(401, message=BAD_SECRET)
        if not hmac.compare_digest(headers.get(H_CODE, "").strip().encode(), user.integration_code.encode()):
            raise ApiError(500, [UNKNOWN_CODE])
        return user

    def require_write(self, user: ApiUser, verb: str) -> None:
        """Refuse a write by a user whose security level only allows queries."""
        if ACCESS_LEVELS.get(user.access, ACCESS_LEVELS["readonly"])[verb] != 1:
            raise ApiError(self.permission_status, [NO_PERMISSION.format(verb=verb)])

    def impersonation(
        self,
        user: ApiUser,
        headers: Mapping[str, str],
        lookup_resource: Callable[[int], dict[str, Any] | None],
    ) -> Caller:
        """Resolve ``ImpersonationResourceId`` for a write: the resource must exist and be active."""
        raw = headers.get(H_IMPERSONATE, "").strip()
        if not raw:
            return Caller(user)
        try:
            rid = int(raw)
        except ValueError:
            raise ApiError(500, [BAD_IMPERSONATION.format(rid=raw[:20])]) from None
        resource = lookup_resource(rid)
        if resource is None or not _is_active(resource):
            raise ApiError(500, [BAD_IMPERSONATION.format(rid=rid)])
        return Caller(user, impersonated_id=rid)


def _is_active(record: Mapping[str, Any]) -> bool:
    value = record.get("isActive")
    return value is None or value is True
