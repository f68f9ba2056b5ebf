"""Driving flows yourself: the action set every operation is written in, and the two trampolines.

Every operation of the clients is a *flow*, a generator that yields actions and is sent their results
(see `py_autotask._core.drive` for the protocol); `client.drive(flow)` runs one, and `entity.flows`
hands out an entity's operations in this form. Engines built on the client (the bulk engine) compose
these flows and add their own `Blocking` work (journal commits), so one driver runs everything:

    from py_autotask.flows import Blocking

    def create_and_log(client, data):
        new_id = yield from client.tickets.flows.create(data)
        yield Blocking(lambda: journal.write(new_id))   # in a worker thread on the async client
        return new_id

    client.drive(create_and_log(client, {...}))
"""

from __future__ import annotations

from ._core.drive import (
    Action,
    AsyncFlowClient,
    Blocking,
    Flow,
    FlowClient,
    Join,
    Reply,
    Send,
    Sleep,
    SyncFlowClient,
    off_loop,
    run_async,
    run_sync,
)

__all__ = [
    "Action",
    "AsyncFlowClient",
    "Blocking",
    "Flow",
    "FlowClient",
    "Join",
    "Reply",
    "Send",
    "Sleep",
    "SyncFlowClient",
    "off_loop",
    "run_async",
    "run_sync",
]
