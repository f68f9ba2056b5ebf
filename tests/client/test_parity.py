"""The sync and async shells expose the same API with the same signatures (nothing drifts apart)."""

from __future__ import annotations

import inspect

import pytest

from py_autotask import AsyncAutotaskClient, AsyncEntity, AsyncPaginator, AutotaskClient, Entity, Paginator

# (sync, async, names only one side has because of the language: close/aclose and the context managers)
PAIRS = [
    (Entity, AsyncEntity, set()),
    (AutotaskClient, AsyncAutotaskClient, {"close", "aclose"}),
    (Paginator, AsyncPaginator, set()),
]


def public(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls) if not name.startswith("_")}


@pytest.mark.parametrize(("sync_cls", "async_cls", "own"), PAIRS)
def test_same_public_names_and_signatures(sync_cls: type, async_cls: type, own: set[str]) -> None:
    sync_api, async_api = public(sync_cls), public(async_cls)
    assert set(sync_api) - own == set(async_api) - own
    for name in set(sync_api) - own:
        s, a = sync_api[name], async_api[name]
        if callable(s) and not isinstance(s, type):
            sig_s, sig_a = inspect.signature(s), inspect.signature(a)
            assert list(sig_s.parameters) == list(sig_a.parameters), name
            for p in sig_s.parameters:
                assert sig_s.parameters[p].default == sig_a.parameters[p].default, (name, p)


def test_async_methods_are_coroutines_except_the_paginating_ones() -> None:
    for name, member in public(AsyncEntity).items():
        if callable(member) and name not in ("query", "children", "capabilities"):
            assert inspect.iscoroutinefunction(member), name
    assert not inspect.iscoroutinefunction(AsyncEntity.query)
    assert not inspect.iscoroutinefunction(AsyncEntity.children)
