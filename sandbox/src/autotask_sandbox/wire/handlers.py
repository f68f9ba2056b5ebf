"""The wire shapes and one handler per route action: queries and paging, CRUD, metadata.

Every handler takes the parsed request, the matched route and the caller, talks to the store or the
tenant metadata, and returns a ready-to-send response whose body is serialized once with orjson.
The swagger's ``special`` operations are dispatched at the end of this module; their bodies are built
in :mod:`.specials`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from . import child_reads, specials
from .auth import UNKNOWN_USER
from .errors import ApiError
from .routing import Match, Route, dotnet_urlencode

if TYPE_CHECKING:
    from ..backend.state import SandboxState
    from .auth import Caller

JSON_TYPE = b"application/json; charset=utf-8"
HTML_TYPE = b"text/html"
DEFAULT_PAGE_SIZE = 500

# IIS 10's stock "404 - File or directory not found." page, which Autotask sends for non-routes.
IIS_404_HTML = b"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>404 - File or directory not found.</title>
<style type="text/css">
<!--
body{margin:0;font-size:.7em;font-family:Verdana, Arial, Helvetica, sans-serif;background:#EEEEEE;}
fieldset{padding:0 15px 10px 15px;}
h1{font-size:2.4em;margin:0;color:#FFF;}
h2{font-size:1.7em;margin:0;color:#CC0000;}
h3{font-size:1.2em;margin:10px 0 0 0;color:#000000;}
#header{width:96%;margin:0 0 0 0;padding:6px 2% 6px 2%;font-family:"trebuchet MS", Verdana, sans-serif;\
color:#FFF;background-color:#555555;}
#content{margin:0 0 0 2%;position:relative;}
.content-container{background:#FFF;width:96%;margin-top:8px;padding:10px;position:relative;}
-->
</style>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>404 - File or directory not found.</h2>
  <h3>The resource you are looking for might have been removed, had its name changed, or is temporarily \
unavailable.</h3>
 </fieldset></div>
</div>
</body>
</html>
"""


@dataclass
class WireRequest:
    """One HTTP request as every driver (ASGI, httpx transports) hands it to the dispatcher."""

    method: str
    path: str  # percent-decoded path
    query: dict[str, str]  # lower-cased parameter names; the last value wins
    headers: dict[str, str] = field(repr=False)  # lower-cased names; holds the Secret, so never repr'd
    body: bytes = field(repr=False)
    scheme: str
    host: str  # the Host header (``host[:port]``)
    raw_query: str = ""
    url_length: int = 0  # length of the absolute URL as the client sent it (still encoded)
    over_socket: bool = False  # arrived over a real socket (ASGI), not an in-process transport

    @property
    def root(self) -> str:
        """The API root clients were told about: ``<scheme>://<host>/ATServicesRest/``."""
        return f"{self.scheme}://{self.host}/ATServicesRest/"


@dataclass
class WireResponse:
    """A response plus what the driver must do with it: wait, then send (or fail) it, then release."""

    status: int
    body: bytes
    content_type: bytes = JSON_TYPE
    extra_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    delay_s: float = 0.0
    fault: str | None = None  # "reset" | "truncate" | None
    release: Callable[[], None] | None = None

    def header_list(self) -> list[tuple[bytes, bytes]]:
        """Headers for the wire (Content-Length always states the full body)."""
        return [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode()),
            *self.extra_headers,
        ]

    def finish(self) -> None:
        """Give back the thread slot this request held (idempotent)."""
        release, self.release = self.release, None
        if release is not None:
            release()


def json_response(obj: Any, status: int = 200) -> WireResponse:
    """A JSON response serialized once."""
    return WireResponse(status, orjson.dumps(obj))


def html_404() -> WireResponse:
    """IIS's HTML 404 page."""
    return WireResponse(404, IIS_404_HTML, HTML_TYPE)


def method_not_allowed(method: str) -> WireResponse:
    """ASP.NET's 405 body."""
    return json_response({"Message": f"The requested resource does not support http method '{method}'."}, 405)


def error_response(err: ApiError) -> WireResponse:
    """Render an :class:`ApiError` in the shape it asks for."""
    if err.html:
        resp = html_404()
        resp.status = err.status
    else:
        resp = json_response(err.body(), err.status)
    resp.extra_headers.extend((k.lower().encode(), str(v).encode()) for k, v in err.headers.items())
    return resp


def parse_json(data: bytes | str, what: str = "request body", *, lenient: bool = False) -> Any:
    """Parse JSON; ``lenient`` also accepts the single-quoted pseudo-JSON some clients send in ``search``."""
    if not data or not str(data if isinstance(data, str) else data.decode("utf-8", "replace")).strip():
        raise ApiError(500, [f"The {what} is empty; a JSON object is required."])
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as first:
        text = data if isinstance(data, str) else data.decode("utf-8", "replace")
        if lenient and "'" in text:
            try:
                return orjson.loads(_requote(text))
            except orjson.JSONDecodeError:
                pass
        raise ApiError(500, [f"Unable to parse the {what} as JSON: {first}"]) from None


def _requote(text: str) -> str:
    """Turn single-quoted JSON-ish text into JSON (``{'a':'it''s'}`` style quirks are not needed)."""
    out: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch in "'\"":
                quote = ch
                out.append('"')
            else:
                out.append(ch)
        elif ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("'" if nxt == "'" else ch + nxt)
            i += 1
        elif ch == quote:
            quote = None
            out.append('"')
        elif ch == '"' and quote == "'":
            out.append('\\"')
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ApiError(500, [f"The {what} must be a JSON object."])
    return value


def _ci(mapping: dict, key: str) -> Any:
    """Case-insensitive key lookup (Autotask's JSON binding ignores case)."""
    if key in mapping:
        return mapping[key]
    low = key.lower()
    for k, v in mapping.items():
        if k.lower() == low:
            return v
    return None


def _max_records(query: dict) -> int:
    value = _ci(query, "maxRecords")
    try:
        return int(value) if value not in (None, 0) else DEFAULT_PAGE_SIZE
    except (TypeError, ValueError):
        return DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class Cursor:
    """The keyset cursor in ``paging={"pageSize":N,"previousIds":[P],"nextIds":[X]}``."""

    page_size: int
    previous_id: int  # -1: the page before is the first page (or there is none)
    next_id: int  # -1: from the beginning

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        """Read a cursor from the ``paging`` query parameter."""
        if not text:
            raise ApiError(500, ["The paging parameter is required."])
        raw = _object(parse_json(text, "paging parameter", lenient=True), "paging parameter")
        try:
            size = int(_ci(raw, "pageSize") or DEFAULT_PAGE_SIZE)
            prev = (_ci(raw, "previousIds") or [-1])[0]
            nxt = (_ci(raw, "nextIds") or [-1])[0]
            return cls(size, int(prev), int(nxt))
        except (TypeError, ValueError, IndexError, KeyError):
            raise ApiError(500, ["The paging parameter is not valid."]) from None

    def encode(self) -> str:
        """The compact JSON form the live API puts in its URLs, .NET-url-encoded."""
        return dotnet_urlencode(
            f'{{"pageSize":{self.page_size},"previousIds":[{self.previous_id}],"nextIds":[{self.next_id}]}}'
        )


class EntityHandlers:
    """Handlers for the per-entity actions of the route table."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # -- queries -------------------------------------------------------------------------------------

    def query_page(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET …/query?search=``, ``POST …/query`` and their ``/query/next|prev`` cursor pages."""
        route = match.route
        is_get = req.method == "GET"
        search = req.query.get("search") if is_get else None
        if is_get:
            if search is None:
                raise ApiError(500, ["The search parameter is required for a GET query."])
            query = _object(parse_json(search, "search", lenient=self.state.config.lenient_search), "query")
        else:
            query = _object(parse_json(req.body, "query"), "query")
        base = route.path if route.action in ("queryGet", "queryPost") else route.path.rsplit("/", 1)[0]
        store = self.state.store
        # start: first id of the page served (None: from the beginning); prev_start: first id of the
        # page before it (-1: that page is the first one; None: there is no page before).
        if route.action in ("queryGet", "queryPost"):
            page = store.query(route.entity, query)
            size, start, prev_start = _max_records(query), None, None
        else:
            cursor = Cursor.parse(req.query.get("paging"))
            size = cursor.page_size
            if route.action == "queryNext":
                start = cursor.next_id if cursor.next_id >= 0 else None
                prev_start = cursor.previous_id if start is not None else None
            else:  # queryPrev serves the page that starts at previousIds[0]
                start = cursor.previous_id if cursor.previous_id >= 0 else None
                prev_start = None
                if start is not None:
                    prev_start = store.previous_start(route.entity, query, before_id=start, page_size=size)
            page = store.query(route.entity, query, start_id=start, page_size=size)
        url = f"{req.root}{base[1:]}"
        suffix = f"&search={dotnet_urlencode(search)}" if search is not None else ""
        next_url = prev_url = None
        if page.next_id is not None:
            cursor = Cursor(size, -1 if start is None else start, page.next_id)
            next_url = f"{url}/next?paging={cursor.encode()}{suffix}"
        if start is not None and prev_start is not None and self.state.config.prev_page_urls:
            prev_url = f"{url}/prev?paging={Cursor(size, prev_start, start).encode()}{suffix}"
        return _page_response(
            child_reads.hide_data(self.state, route.entity, page.items), size, prev_url, next_url
        )

    def count(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``…/query/count`` by GET (``search``) or POST (body)."""
        if req.method == "GET":
            search = req.query.get("search")
            if search is None:
                raise ApiError(500, ["The search parameter is required for a GET query."])
            query = _object(parse_json(search, "search", lenient=self.state.config.lenient_search), "query")
        else:
            query = _object(parse_json(req.body, "query"), "query")
        return json_response({"queryCount": self.state.store.count(match.route.entity, query)})

    def list_by_parent(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /{Parent}/{parentId}/{Child}``: the parent's children, paged like a query (our choice: the live form is not published)."""
        route = match.route
        parent_id = match.params["parentId"]
        parent_field = self.state.parent_field(route)
        # The cursor serves the page starting at nextIds[0]; the page before it is recomputed on each
        # request (previousIds is informational here), which keeps one URL form for both directions.
        start, size = None, DEFAULT_PAGE_SIZE
        if "paging" in req.query:
            cursor = Cursor.parse(req.query["paging"])
            size, start = cursor.page_size, (cursor.next_id if cursor.next_id >= 0 else None)
        store = self.state.store
        page = store.list_children(route.entity, parent_field, parent_id, start_id=start, page_size=size)
        url = f"{req.root}{route.path[1:].replace('{parentId}', str(parent_id))}"
        next_url = prev_url = None
        if page.next_id is not None:
            next_url = f"{url}?paging={Cursor(size, -1 if start is None else start, page.next_id).encode()}"
        if start is not None and parent_field is not None and self.state.config.prev_page_urls:
            scope = {"filter": [{"op": "eq", "field": parent_field, "value": parent_id}]}
            before = store.previous_start(route.entity, scope, before_id=start, page_size=size)
            if before is not None:
                prev_url = f"{url}?paging={Cursor(size, -1, before).encode()}"
        return _page_response(
            child_reads.hide_data(self.state, route.entity, page.items), size, prev_url, next_url
        )

    # -- single records ------------------------------------------------------------------------------

    def get_by_id(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /{Entity}/{id}`` (and the child form): ``{"item": …}`` or 404 ``{"item": null}``."""
        record = child_reads.find(self.state, match, self._parent(match))
        if record is None:
            return json_response({"item": None}, 404)
        return json_response(child_reads.envelope(self.state, match, record))

    def write(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """create (POST), update (PATCH), replace (PUT) → ``{"itemId": n}``."""
        route = match.route
        verb = "create" if route.action == "create" else "update"
        self.state.auth.require_write(caller.user, verb)
        body = _object(parse_json(req.body), "request body")
        actor = self.state.actor(caller)
        parent = self._parent(match)
        store = self.state.store
        op = {"create": store.create, "update": store.update, "replace": store.replace}[route.action]
        hooks = self.state.webhooks
        before = hooks.snapshot(route.entity, None if route.action == "create" else _ci(body, "id"))
        item_id = op(route.entity, body, actor=actor, parent=parent)
        hooks.written(route.entity, route.action, item_id, before, actor)
        return json_response({"itemId": item_id})

    def delete(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``DELETE /{Entity}/{id}`` (and the child form) → ``{"itemId": id}``."""
        self.state.auth.require_write(caller.user, "delete")
        actor = self.state.actor(caller)
        entity, hooks = match.route.entity, self.state.webhooks
        before = hooks.snapshot(entity, match.params["id"])
        deleted = self.state.store.delete(entity, match.params["id"], actor=actor, parent=self._parent(match))
        hooks.written(entity, "delete", deleted, before, actor)
        return json_response({"itemId": deleted})

    def _parent(self, match: Match) -> tuple[str, int] | None:
        if not match.route.child or "parentId" not in match.params:
            return None
        parent_field = self.state.parent_field(match.route)
        return (parent_field, match.params["parentId"]) if parent_field is not None else None

    # -- metadata ------------------------------------------------------------------------------------

    def entity_information(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``…/entityInformation`` → ``{"info": …}``."""
        return json_response({"info": self.state.meta.entity_information(match.route.entity, caller.access)})

    def fields(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``…/entityInformation/fields`` → ``{"fields": […]}``."""
        return json_response({"fields": self.state.meta.fields(match.route.entity)})

    def user_defined_fields(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``…/entityInformation/userDefinedFields`` → ``{"fields": […]}``."""
        return json_response({"fields": self.state.meta.udfs(match.route.entity)})

    def table(self) -> dict[str, Callable[[WireRequest, Match, Caller], WireResponse]]:
        """Action name → handler."""
        return {
            "queryGet": self.query_page,
            "queryPost": self.query_page,
            "queryNext": self.query_page,
            "queryPrev": self.query_page,
            "countGet": self.count,
            "countPost": self.count,
            "listByParent": self.list_by_parent,
            "getById": self.get_by_id,
            "create": self.write,
            "update": self.write,
            "replace": self.write,
            "delete": self.delete,
            "entityInformation": self.entity_information,
            "fields": self.fields,
            "userDefinedFields": self.user_defined_fields,
        }


def _page_response(items: list[dict], size: int, prev_url: str | None, next_url: str | None) -> WireResponse:
    return json_response(
        {
            "items": items,
            "pageDetails": {
                "count": len(items),
                "requestCount": size,
                "prevPageUrl": prev_url,
                "nextPageUrl": next_url,
            },
        }
    )


def is_write(route: Route) -> bool:
    """Whether a route changes data (impersonation and read-only checks apply)."""
    return route.action in ("create", "update", "replace", "delete")


class SpecialHandlers:
    """The swagger's non-entity operations (``action == "special"``) and the global EntityInformation."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def table(self) -> dict[str, Callable[[WireRequest, Match, Caller], WireResponse]]:
        """operationId → handler."""
        return {
            "AutotaskVersionApiIntegration_QueryVersionInformation": self.version,
            "ThresholdApiIntegration_QueryThresholdInformation": self.threshold,
            "ModuleAccessApiIntegration_QueryModuleAccess": self.modules,
            "AuthenticateApiIntegration_QueryAuthenticate": self.authenticate,
            "MetadataApiIntegration_QueryEntityInformation": self.global_entity_information,
            "InvoiceMarkupApiIntegration_QueryInvoiceMarkupHtml": self.invoice_html,
            "InvoiceMarkupApiIntegration_QueryInvoiceMarkupXml": self.invoice_xml,
            "InvoiceMarkupApiIntegration_QueryInvoicePdf": self.invoice_pdf,
            "AccountInvoiceSettings_Get": self.invoice_settings_get,
            "AccountInvoiceSettings_Put": self.invoice_settings_put,
            "AccountInvoiceSettings_AddContactRecipients": self.add_recipients,
            "AccountInvoiceSettings_AddResourceRecipients": self.add_recipients,
            "AccountInvoiceSettings_DeleteContactRecipient": self.delete_recipient,
            "AccountInvoiceSettings_DeleteResourceRecipient": self.delete_recipient,
            "TimeOffRequestsApproveChild_CreateEntity": self.approve_time_off,
        }

    def version(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /V1.0/Version``."""
        return json_response(specials.VERSION)

    def threshold(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /V1.0/ThresholdInformation`` (this request is already counted)."""
        limiter = self.state.threshold
        return json_response(
            {
                "externalRequestThreshold": limiter.limit,
                "requestThresholdTimeframe": round(limiter.window_s / 60),
                "currentTimeframeRequestCount": limiter.current(),
            }
        )

    def modules(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /V1.0/Modules``: which product modules this tenant has enabled."""
        return json_response({"modules": specials.modules(self.state.seed)})

    def authenticate(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /V1.0/Authenticate``: a short-lived token (unused by the rest of the API)."""
        return json_response(specials.auth_token(self.state.clock.now()))

    def global_entity_information(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /V1.0/EntityInformation``: ``{"entityDescriptions": [{"info": …}, …]}``."""
        meta = self.state.meta
        return json_response(
            {
                "entityDescriptions": [
                    {"info": meta.entity_information(entity, caller.access)}
                    for entity in self.state.described_entities()
                ]
            }
        )

    # -- invoices --------------------------------------------------------------------------------------

    def _invoice(self, invoice_id: int) -> tuple[dict, dict | None]:
        invoice = self.state.store.get("Invoices", invoice_id)
        if invoice is None:
            raise ApiError(404, [f"No Invoice found with id {invoice_id}."])
        company_id = invoice.get("companyID")
        return invoice, self.state.store.get("Companies", company_id) if company_id is not None else None

    def invoice_html(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /Invoices/{id}/InvoiceMarkupHtml`` → ``{"invoiceMarkup": "<html>…"}``."""
        return json_response({"invoiceMarkup": specials.invoice_html(*self._invoice(match.params["id"]))})

    def invoice_xml(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /Invoices/{id}/InvoiceMarkupXml`` → ``{"invoiceMarkup": "<?xml …"}``."""
        return json_response({"invoiceMarkup": specials.invoice_xml(*self._invoice(match.params["id"]))})

    def invoice_pdf(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /Invoices/{id}/InvoicePdf`` → a FileQueryResultModel with a real (tiny) PDF, base64."""
        return json_response(specials.invoice_pdf(*self._invoice(match.params["id"])))

    # -- company invoice settings ----------------------------------------------------------------------

    def _settings(self, company_id: int) -> dict:
        company = self.state.store.get("Companies", company_id)
        if company is None:
            raise ApiError(500, [f"No Company found with id {company_id}."])
        settings = self.state.invoice_settings.get(company_id)
        if settings is None:
            settings = specials.default_invoice_settings(company)
            self.state.invoice_settings[company_id] = settings
        return settings

    def invoice_settings_get(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /Companies/{id}/invoiceSettings``."""
        return json_response(self._settings(match.params["id"]))

    def invoice_settings_put(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``PUT /Companies/{id}/invoiceSettings``: replace the writable settings → ``{"itemId": id}``."""
        self.state.auth.require_write(caller.user, "update")
        body = _object(parse_json(req.body), "request body")
        settings = self._settings(match.params["id"])
        settings.update(specials.invoice_settings_update(body))
        return json_response({"itemId": match.params["id"]})

    def add_recipients(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``POST …/invoiceSettings/contactRecipients|resourceRecipients`` with ``{"items": [ids]}``."""
        self.state.auth.require_write(caller.user, "update")
        kind = "contactRecipients" if "contact" in match.route.operation_id.lower() else "resourceRecipients"
        entity = "Contacts" if kind == "contactRecipients" else "Resources"
        body = _object(parse_json(req.body), "request body")
        ids = _ci(body, "items")
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ApiError(500, ["items must be an array of integer ids."])
        company_id = match.params["id"]
        settings = self._settings(company_id)
        for rid in ids:
            record = self.state.store.get(entity, rid)
            if record is None or (entity == "Contacts" and record.get("companyID") != company_id):
                raise ApiError(
                    500, [f"Reference value on field: {kind} ({rid}) does not exist or is invalid."]
                )
        settings[kind] = sorted(set(settings[kind]) | set(ids))
        return json_response({kind: list(settings[kind])})

    def delete_recipient(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``DELETE …/contactRecipients/{contactId}`` (or resourceRecipients) → ``{"itemId": id}``."""
        self.state.auth.require_write(caller.user, "delete")
        kind, key = (
            ("contactRecipients", "contactId")
            if "contactId" in match.params
            else ("resourceRecipients", "resourceId")
        )
        settings = self._settings(match.params["id"])
        rid = match.params[key]
        if rid not in settings[kind]:
            raise ApiError(
                500,
                [
                    "No message. No matching records found. The logged in Resource may not have "
                    "the required permissions to delete the data."
                ],
            )
        settings[kind] = [r for r in settings[kind] if r != rid]
        return json_response({"itemId": rid})

    def approve_time_off(self, req: WireRequest, match: Match, caller: Caller) -> WireResponse:
        """``GET /TimeOffRequests/{id}/Approve``: approve the request → ``{"itemId": id}``."""
        self.state.auth.require_write(caller.user, "update")
        request_id = match.params["parentId"]
        if self.state.store.get("TimeOffRequests", request_id) is None:
            raise ApiError(500, [f"No TimeOffRequest found with id {request_id}."])
        self.state.approve_time_off(request_id, self.state.actor(caller))
        return json_response({"itemId": request_id})


def zone_information(req: WireRequest, state: SandboxState) -> WireResponse:
    """``GET /V1.0/zoneInformation?user=``: no auth; 500 ``{"errors": [UNKNOWN_USER]}`` for a blank or
    unknown user (the live text, quoted by apigrate's README and matched by py-autotask 2.3.0)."""
    user = req.query.get("user", "")
    if not user.strip() or not state.auth.knows(user):
        return json_response({"errors": [UNKNOWN_USER]}, 500)
    cfg = state.config
    return json_response(
        {
            "zoneName": cfg.zone_name,
            "url": req.root,
            "webUrl": cfg.web_url or f"{req.scheme}://{req.host}/",
            "ci": cfg.ci,
        }
    )


def version_information() -> WireResponse:
    """``GET /ATServicesRest/VersionInformation`` (no version prefix, no auth)."""
    return json_response({"apiVersions": ["V1.0"]})
