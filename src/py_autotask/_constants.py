"""Every tunable number of the client, named once; override them per client or per call.

The retry constants follow issue #4's policy: capped exponential backoff with jitter, `Retry-After`
honoured up to a ceiling (an hour-long wait is a threshold problem to report, not to sleep through).
"""

from __future__ import annotations

import httpx

__all__ = [
    "ALL_RECORDS_FILTER",
    "API_VERSION",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_ZONE_LOOKUP_URL",
    "ENV_BASE_URL",
    "ENV_IMPERSONATION_RESOURCE_ID",
    "ENV_INTEGRATION_CODE",
    "ENV_SECRET",
    "ENV_USERNAME",
    "ENV_ZONE_LOOKUP_URL",
    "INITIAL_RETRY_DELAY",
    "LOGGER_NAME",
    "MAX_GET_URL_LENGTH",
    "MAX_PAGE_SIZE",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "RETRY_JITTER",
    "SERVICE_ROOT",
]

# --- where the API lives -------------------------------------------------------------------------
SERVICE_ROOT = "ATServicesRest"
API_VERSION = "V1.0"
# Any zone answers zoneInformation for any user; webservices2 is the host most clients use.
DEFAULT_ZONE_LOOKUP_URL = "https://webservices2.autotask.net/atservicesrest/v1.0/zoneInformation"

# --- environment variables read by `from_env()` --------------------------------------------------
ENV_USERNAME = "AUTOTASK_USERNAME"
ENV_SECRET = "AUTOTASK_SECRET"
ENV_INTEGRATION_CODE = "AUTOTASK_INTEGRATION_CODE"
ENV_BASE_URL = "AUTOTASK_BASE_URL"
ENV_IMPERSONATION_RESOURCE_ID = "AUTOTASK_IMPERSONATION_RESOURCE_ID"
ENV_ZONE_LOOKUP_URL = "AUTOTASK_ZONE_LOOKUP_URL"

# --- timeouts --------------------------------------------------------------------------------------
# Autotask can take tens of seconds for a 500-record page of a wide entity; connecting should be quick.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

# --- retries ---------------------------------------------------------------------------------------
DEFAULT_MAX_RETRIES = 4
INITIAL_RETRY_DELAY = 0.5  # seconds before the first retry
MAX_RETRY_DELAY = 8.0  # cap of the exponential backoff
RETRY_JITTER = 0.25  # +/- fraction of the delay, so parallel clients do not retry in lock-step
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not slept through: the error is raised instead

# --- queries ---------------------------------------------------------------------------------------
MAX_PAGE_SIZE = 500  # Autotask refuses MaxRecords above 500
DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE
# Autotask answers 404 once a GET URL passes ~2,048 characters, and the nextPageUrl it builds adds a
# `paging=` cursor (~120 characters) to ours; GET queries longer than this go out as POST instead.
MAX_GET_URL_LENGTH = 1800
# The "all records" filter: Autotask requires at least one condition in every query.
ALL_RECORDS_FILTER: dict[str, object] = {"op": "gte", "field": "id", "value": 0}

LOGGER_NAME = "py_autotask"
