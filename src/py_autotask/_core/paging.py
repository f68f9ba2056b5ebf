"""Paging decisions (sans-I/O): which request fetches the next page, and when a query is finished.

Two strategies behind one interface (`next_call()` -> Call | None, `feed(payload)` -> Page):
- `NextUrlPager` follows Autotask's `pageDetails.nextPageUrl` with the *same* method, re-sending the
  original body for POST queries (a GET on a POST query's nextPageUrl is a 405; docs/autotask-facts.md#paging);
- `IdKeysetPager` repeats the query with `id > last id seen` (the loop Autotask's docs recommend for
  deep exports; it does not depend on server-side cursors staying valid).
Both stop at `limit` records and never hold more than one page.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson

from .._constants import ALL_RECORDS_FILTER, MAX_PAGE_SIZE
from .._exceptions import APIConnectionError
from .requests import Call, search_params

__all__ = ["IdKeysetPager", "NextUrlPager", "Page", "Pager", "page_from_payload"]


@dataclasses.dataclass
class Page:
    """One page of records as Autotask returned it."""

    items: list[dict[str, Any]]
    page_details: dict[str, Any]

    @property
    def next_page_url(self) -> str | None:
        """Autotask's cursor URL for the next page (None on the last page)."""
        return self.page_details.get("nextPageUrl")

    def __len__(self) -> int:
        return len(self.items)


def page_from_payload(payload: Any) -> Page:
    """A Page from a `{"items": [...], "pageDetails": {...}}` body; anything else is a broken answer."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        # A 200 without the envelope means the body was cut off or is not Autotask's: retryable.
        raise APIConnectionError("page response has no 'items' list (truncated or malformed body)")
    details = payload.get("pageDetails")
    return Page(list(payload["items"]), dict(details) if isinstance(details, dict) else {})


class Pager(abc.ABC):
    """Common state: the `limit` countdown and whether the query is finished."""

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        self.remaining = limit
        self.done = limit == 0
        self.pages_fetched = 0

    @abc.abstractmethod
    def next_call(self) -> Call | None:
        """The request for the next page, or None when the query is finished."""

    @abc.abstractmethod
    def feed(self, payload: Any) -> Page:
        """Take one page's response body; returns the page (cut to `limit`) and advances the state."""

    def _trim(self, page: Page) -> Page:
        self.pages_fetched += 1
        if self.remaining is not None:
            page.items = page.items[: self.remaining]
            self.remaining -= len(page.items)
            if self.remaining <= 0:
                self.done = True
        return page


class NextUrlPager(Pager):
    """Follow `nextPageUrl` with the original method (and body, for POST)."""

    def __init__(self, first: Call, *, limit: int | None = None) -> None:
        super().__init__(limit)
        self._first = first
        self._next: Call | None = first
        self._seen_urls: set[str] = set()

    def next_call(self) -> Call | None:
        return None if self.done else self._next

    def feed(self, payload: Any) -> Page:
        page = self._trim(page_from_payload(payload))
        url = page.next_page_url
        if not url or self.done:
            self.done, self._next = True, None
            return page
        if url in self._seen_urls:
            # A cursor that points back at a page already read would loop forever.
            raise APIConnectionError(f"Autotask returned the same nextPageUrl twice: {url}")
        self._seen_urls.add(url)
        first = self._first
        body = first.json if first.method == "POST" else None
        self._next = dataclasses.replace(first, path=url, params=None, json=body)
        return page


class IdKeysetPager(Pager):
    """Repeat the query with `id > last` until a short or empty page; needs `id` in every record."""

    def __init__(self, first: Call, *, limit: int | None = None, page_size: int | None = None) -> None:
        super().__init__(limit)
        if isinstance(first.json, dict):
            body = dict(first.json)
        elif first.params and "search" in first.params:
            body = orjson.loads(first.params["search"])  # the GET form carries the body as ?search=
        else:
            raise ValueError("id-keyset paging needs a query body")
        body.setdefault("filter", [dict(ALL_RECORDS_FILTER)])
        self._first = first
        self._body: dict[str, Any] = body
        self.page_size = min(page_size or self._body.get("maxRecords") or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        self._last_id: int | None = None
        self._asked = 0

    def next_call(self) -> Call | None:
        if self.done:
            return None
        size = self.page_size if self.remaining is None else min(self.page_size, self.remaining)
        body = dict(self._body, maxRecords=size)
        if self._last_id is not None:
            body["filter"] = [*self._body["filter"], {"op": "gt", "field": "id", "value": self._last_id}]
        self._asked = size
        if self._first.method == "GET":
            return dataclasses.replace(self._first, params=search_params(body), json=None)
        return dataclasses.replace(self._first, json=body)

    def feed(self, payload: Any) -> Page:
        raw = page_from_payload(payload)
        ids = [_record_id(r) for r in raw.items]
        page = self._trim(raw)
        if not ids:
            self.done = True
            return page
        last = max(ids)
        if self._last_id is not None and last <= self._last_id:
            raise APIConnectionError("id-keyset paging made no progress (ids not increasing)")
        self._last_id = last
        if len(ids) < self._asked or not raw.next_page_url:
            self.done = True  # a short page, or Autotask says nothing follows
        return page

    @property
    def last_id(self) -> int | None:
        """Highest id read so far (a resumable cursor for exports)."""
        return self._last_id


def _record_id(record: Mapping[str, Any]) -> int:
    value = record.get("id")
    if value is None:
        for key, v in record.items():
            if key.lower() == "id":
                value = v
                break
    if value is None:
        raise APIConnectionError("id-keyset paging needs 'id' in every record (IncludeFields lost it)")
    return int(value)
