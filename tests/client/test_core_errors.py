"""One factory maps every Autotask error answer to the exception tree (canned bodies, no I/O)."""

from __future__ import annotations

import httpx
import orjson
import pytest

from py_autotask import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    APIValidationError,
    AuthenticationError,
    InternalServerError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    QueryError,
    RateLimitError,
    ThreadLimitError,
    ThresholdExceededError,
)
from py_autotask._core.errors import extract_errors, make_status_error, map_httpx_errors, request_was_sent

IIS_404 = b"<html><head><title>404 - File or directory not found.</title></head><body>x</body></html>"
THREAD = ("Thread Threshold Exceeded \u2014 The Autotask API thread threshold of 3 threads has been exceeded. "
          "(Itgenatr005)")

CASES = [
    (500, {"errors": ["Unable to find projectID in the TimeEntry Entity"]}, "query", QueryError),
    (500, {"errors": ["Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."]}, "count",
     QueryError),
    # the live texts for an unknown user name and an unknown integration code (apigrate's README)
    (500, {"errors": ["Zone information could not be determined"]}, "query", AuthenticationError),
    (500, {"errors": ["Zone information could not be determined"]}, "create", AuthenticationError),
    (500, {"errors": ["IntegrationCode is invalid."]}, "get", AuthenticationError),
    (500, {"errors": ["IntegrationCode is invalid."]}, "update", AuthenticationError),
    (500, {"errors": ["Zone information could not be determined"]}, "zone", AuthenticationError),
    # older / paraphrased wordings stay recognised
    (500, {"errors": ["Unable to authenticate: the user name is not an API-only user of this database."]},
     "query", AuthenticationError),
    (500, {"errors": ["Unable to authenticate: the API integration code (tracking identifier) is not valid."]},
     "get", AuthenticationError),
    (401, {"Message": "Authorization has been denied for this request."}, "query", AuthenticationError),
    (401, b"", "get", AuthenticationError),
    (429, {"errors": [THREAD]}, "query", ThreadLimitError),
    (500, {"errors": [THREAD]}, "create", ThreadLimitError),
    (429, {"errors": ["The external request threshold of 10000 requests per 60 minutes has been exceeded."]},
     "query", ThresholdExceededError),
    (429, b"", "query", RateLimitError),
    (500, {"errors": ["The logged in Resource does not have the adequate permissions to update this entity "
                      "type."]}, "update", PermissionDeniedError),
    (403, b"", "get", PermissionDeniedError),
    (500, {"errors": ["No message. No matching records found. The logged in Resource may not have the required "
                      "permissions to delete the data."]}, "delete", NotFoundError),
    (404, IIS_404, "create", NotFoundError),
    (405, {"Message": "The requested resource does not support http method 'GET'."}, "query",
     MethodNotAllowedError),
    (500, {"errors": ["An unexpected error occurred while processing the request. Please try again."]},
     "create", InternalServerError),
    (500, b"", "get", InternalServerError),
    (503, b"<html><title>Service Unavailable</title></html>", "query", InternalServerError),
    (500, {"errors": ["A ContactGroup already exists with Name [x]. ContactGroup names must be unique."]},
     "create", APIValidationError),
    (500, {"errors": ["When assigning a Resource, you must assign both a assignedResourceID and "
                      "assignedResourceRoleID."]}, "update", APIValidationError),
    (400, {"errors": ["bad"]}, "get", APIValidationError),
    (500, {"errors": ["Reference value on field: contactID (5) does not exist or is invalid."]}, "create",
     APIValidationError),
    (500, {"errors": ["zoneInformation: user not found"]}, "zone", AuthenticationError),
]


@pytest.mark.parametrize(("status", "body", "kind", "cls"), CASES)
def test_status_error_classes(status: int, body: object, kind: str, cls: type) -> None:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    error = make_status_error(status, content, {}, method="POST", url="https://h/ATServicesRest/V1.0/X", kind=kind)
    assert type(error) is cls
    assert error.status_code == status
    for message in error.errors:
        assert message in str(error)  # str(exc) always carries Autotask's message


def test_error_carries_method_url_body_and_retry_after() -> None:
    error = make_status_error(429, orjson.dumps({"errors": [THREAD]}), httpx.Headers({"Retry-After": "3"}),
                              method="POST", url="https://h/x", kind="query")
    assert isinstance(error, APIStatusError)
    assert (error.method, error.url, error.retry_after, error.errors) == ("POST", "https://h/x", 3.0, [THREAD])
    assert error.body == {"errors": [THREAD]}
    assert error.message == THREAD


def test_extract_errors_shapes() -> None:
    assert extract_errors({"errors": ["a", "b"]}) == ["a", "b"]
    assert extract_errors({"errors": [{"message": "m", "field": "f"}]}) == ["m"]
    assert extract_errors({"Message": "framework"}) == ["framework"]
    assert extract_errors(IIS_404.decode()) == ["404 - File or directory not found."]
    assert extract_errors("plain text body") == ["plain text body"]
    assert extract_errors(None) == [] and extract_errors({"errors": []}) == []


@pytest.mark.parametrize(
    ("exc", "cls", "sent"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, False),
        (httpx.ConnectTimeout("slow connect"), APITimeoutError, False),
        (httpx.ReadTimeout("slow read"), APITimeoutError, True),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError, True),
        (httpx.ReadError("reset"), APIConnectionError, True),
    ],
)
def test_httpx_errors_are_translated_in_one_place(exc: Exception, cls: type, sent: bool) -> None:
    with pytest.raises(cls) as info:
        with map_httpx_errors("GET", "https://h/x"):
            raise exc
    assert type(info.value) is cls
    assert info.value.method == "GET" and info.value.url == "https://h/x"
    assert request_was_sent(info.value) is sent
