"""Small shared types of the public surface: the `NotGiven` sentinel.

Where None is a meaningful value ("stop impersonating"), an argument that was simply left out needs a
value of its own. As in the Stainless SDKs (`anthropic/_types.py`), that value is `NOT_GIVEN`, the one
instance of `NotGiven`; it is falsy and prints as `NOT_GIVEN`:

    client.with_options(impersonation_resource_id=None)   # no impersonation on the copy
    client.with_options(max_retries=5)                    # impersonation left as it was (NOT_GIVEN)
"""

from __future__ import annotations

from typing import Literal, TypeVar, Union

__all__ = ["NOT_GIVEN", "NotGiven", "NotGivenOr"]

_T = TypeVar("_T")


class NotGiven:
    """The type of `NOT_GIVEN`: "this argument was not passed" (as opposed to an explicit None)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        # One instance, so `value is NOT_GIVEN` holds even for copies made by copy/pickle.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

#: `NotGivenOr[int | None]`: an argument that may be left out, and may also be None.
NotGivenOr = Union[_T, NotGiven]  # noqa: UP007  (a generic alias: `X | Y` cannot take a TypeVar at run time on 3.10)
