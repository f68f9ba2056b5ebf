"""The public façade: `py_autotask.__all__` is explicit, sorted, importable, and pinned here."""

from __future__ import annotations

import py_autotask

EXPECTED = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "APIValidationError",
    "AmbiguousWriteError",
    "AsyncAutotaskClient",
    "AsyncEntity",
    "AsyncPaginator",
    "AuthenticationError",
    "AutotaskClient",
    "AutotaskError",
    "CircuitOpenError",
    "ConfigurationError",
    "Entity",
    "F",
    "InternalServerError",
    "MethodNotAllowedError",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "Page",
    "Paginator",
    "PermissionDeniedError",
    "QueryError",
    "QuerySyntaxError",
    "RateLimitError",
    "RetryPolicy",
    "ThreadLimitError",
    "ThresholdBudgetExceeded",
    "ThresholdExceededError",
    "UnsupportedOperationError",
    "ValidationError",
    "Zone",
    "__version__",
    "format_datetime",
    "known_zones",
    "parse_datetime",
    "parse_datetimes",
    "set_udf",
    "udf",
    "udfs",
]


def test_all_is_pinned_and_sorted() -> None:
    assert py_autotask.__all__ == EXPECTED
    assert py_autotask.__all__ == sorted(py_autotask.__all__)


def test_every_exported_name_exists_and_public_classes_live_in_the_package() -> None:
    for name in py_autotask.__all__:
        member = getattr(py_autotask, name)
        module = getattr(member, "__module__", "py_autotask")
        assert module.startswith("py_autotask"), (name, module)


def test_every_exception_is_in_the_tree() -> None:
    from py_autotask import _exceptions

    for name in _exceptions.__all__:
        assert name in py_autotask.__all__
        assert issubclass(getattr(py_autotask, name), py_autotask.AutotaskError)
