"""`py_autotask.attachments` on both clients against the sandbox: byte-identical round trips, batching,
size checks, invoice PDFs, and the 10,000,000-byte/5-minute budget kept by waiting on the sandbox clock."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from py_autotask import ValidationError
from py_autotask.attachments import (
    AsyncAttachments,
    Attachments,
    AttachmentTooLarge,
    UploadBudget,
    attachment_route,
)


def _files(api: Any, budget: UploadBudget | None = None) -> Any:
    if api.is_async:
        async def advance(seconds: float) -> None:
            api.sandbox.control.clock.advance(seconds)

        return AsyncAttachments(api.client, budget=budget, sleep=advance)
    return Attachments(api.client, budget=budget)


def _sandbox_budget(sandbox: Any) -> UploadBudget:
    """A budget on the sandbox's clock: waiting moves that clock instead of sleeping."""
    clock = sandbox.control.clock
    return UploadBudget(clock=clock.timestamp, sleep=clock.advance)


def _ticket_ids(api: Any, n: int) -> list[int]:
    return [r["id"] for r in api.list(lambda c: c.tickets.query(fields=["id"], limit=n))]


@pytest.mark.parametrize("size", [1, 1_000_000, 6_000_000])
def test_upload_then_download_is_byte_identical(api_local: Any, size: int) -> None:
    data = os.urandom(size)
    files = _files(api_local, _sandbox_budget(api_local.sandbox))
    (ticket,) = _ticket_ids(api_local, 1)
    new_id = api_local(lambda c: files.upload("Tickets", ticket, data, name=f"blob-{size}.bin", title="blob"))
    refs = api_local(lambda c: files.list("Tickets", [ticket]))
    (ref,) = [r for r in refs if r.id == new_id]
    assert (ref.parent, ref.parent_id, ref.file_name, ref.size) == ("Tickets", ticket, f"blob-{size}.bin", size)
    got = api_local(lambda c: files.download(ref))
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


def test_download_to_a_file_and_upload_from_a_path(api_local: Any, tmp_path: Any) -> None:
    source = tmp_path / "Überweisung & Co.pdf"
    source.write_bytes(b"%PDF-1.4 fake but exact \x00\xff")
    files = _files(api_local)
    (ticket,) = _ticket_ids(api_local, 1)
    new_id = api_local(lambda c: files.upload("tickets", ticket, source))
    (ref,) = [r for r in api_local(lambda c: files.list("Tickets", [ticket])) if r.id == new_id]
    assert ref.file_name == source.name and ref.content_type == "application/pdf"
    size, sha = api_local(lambda c: files.download_to(ref, tmp_path / "out" / "copy.pdf"))
    assert (tmp_path / "out" / "copy.pdf").read_bytes() == source.read_bytes()
    assert (size, sha) == (source.stat().st_size, hashlib.sha256(source.read_bytes()).hexdigest())
    assert not list((tmp_path / "out").glob("*.part"))


def test_listing_batches_parent_ids_by_500_and_finds_every_attachment(api_local: Any) -> None:
    files = _files(api_local)
    tickets = _ticket_ids(api_local, 1200)
    api_local.sandbox.control.clear_log()
    refs = api_local(lambda c: files.list("Tickets", tickets))
    queries = [e for e in api_local.sandbox.control.request_log if e["path"].endswith("TicketAttachments/query")]
    assert len(queries) == 3  # 500 + 500 + 200 parent ids
    # every seeded ticket attachment, by an independent path: AttachmentInfo's count of ticket attachments
    expected = api_local(lambda c: c.ticket_attachments.count([{"op": "gte", "field": "id", "value": 0}]))
    assert len(refs) == expected > 0 and len({r.id for r in refs}) == len(refs)
    assert all(r.parent == "Tickets" and r.parent_id in set(tickets) for r in refs)


def test_too_large_files_are_refused_before_sending(api_local: Any) -> None:
    files = _files(api_local)
    (ticket,) = _ticket_ids(api_local, 1)
    api_local.sandbox.control.clear_log()
    with pytest.raises(AttachmentTooLarge, match="at most 6291456 bytes") as caught:
        api_local(lambda c: files.upload("Tickets", ticket, b"x" * (6 * 1024 * 1024 + 1), name="big.bin"))
    assert isinstance(caught.value, ValidationError)
    assert api_local.sandbox.control.request_log == []  # nothing was sent
    with pytest.raises(ValueError, match="needs name="):
        api_local(lambda c: files.upload("Tickets", ticket, b"abc"))


def test_unknown_parent_types_are_named(api_local: Any) -> None:
    with pytest.raises(Exception, match="Invoices records have no attachments; parents that do: Companies"):
        attachment_route("Invoices")


def test_invoice_pdf(api_local: Any) -> None:
    (invoice,) = api_local.list(lambda c: c.invoices.query(fields=["id"], limit=1))
    pdf = api_local(lambda c: _files(api_local).invoice_pdf(invoice["id"]))
    assert pdf.data.startswith(b"%PDF") and pdf.content_type == "application/pdf"
    assert pdf.file_name.endswith(".pdf")


def test_an_upload_over_the_byte_budget_waits_for_the_window(api_local: Any) -> None:
    sandbox = api_local.sandbox
    tickets = _ticket_ids(api_local, 2)
    budget = _sandbox_budget(sandbox)
    files = _files(api_local, budget)
    started = sandbox.control.clock.timestamp()
    for ticket in tickets:  # 2 x 6,000,000 bytes: the second crosses 10,000,000 within 5 minutes
        api_local(lambda c, t=ticket: files.upload("Tickets", t, b"\x01" * 6_000_000, name="six.bin"))
    waited = sandbox.control.clock.timestamp() - started
    assert 300 <= budget.waited_s <= 305 and waited >= 300
    assert budget.used() == 6_000_000  # the first upload has left the window

    # The same two uploads without the budget's wait trip the sandbox's 5-minute lockout: the test can fail.
    sandbox.control.clock.advance(301)
    reckless = _files(api_local, UploadBudget(window_bytes=10**12))
    api_local(lambda c: reckless.upload("Tickets", tickets[0], b"\x01" * 6_000_000, name="a.bin"))
    with pytest.raises(Exception, match="Attachment volume exceeded"):
        api_local(lambda c: reckless.upload("Tickets", tickets[1], b"\x01" * 6_000_000, name="b.bin"))


def test_budget_arithmetic_on_an_injected_clock() -> None:
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budget = UploadBudget(window_bytes=100, window_s=60, margin_s=1, clock=lambda: now[0], sleep=sleep)
    assert budget.acquire(60) == 0
    now[0] += 10
    assert budget.acquire(40) == 0  # exactly full
    assert budget.try_acquire(1) == 51  # the first upload leaves at 1060 (+1 s margin), 10 s in
    assert budget.acquire(50) == 51 and slept == [51]
    assert budget.used() == 90  # 40 (sent at 1010) + 50
    with pytest.raises(ValueError, match="can never fit"):
        budget.try_acquire(101)
