"""Bodies of the swagger's non-entity operations: Version, Modules, Authenticate, invoice markup and
PDF, company invoice settings. Shapes follow the swagger result models; values are plausible, derived
from the stored records where there is one to derive from.
"""

from __future__ import annotations

import base64
import random
import secrets
from datetime import datetime, timedelta
from html import escape
from typing import Any

from ..policy.clock import to_wire
from .errors import ApiError

# AutotaskVersionResultModel: all strings. customerType says what kind of database this is.
VERSION = {"majorVersion": "2025", "minorVersion": "2", "build": "2025.2.0.214", "customerType": "Sandbox"}

# Module ids as ModuleAccessResultModel lists them (KeyValuePair<int, bool>).
MODULE_KEYS = tuple(range(1, 41))


def modules(seed: int) -> list[dict[str, Any]]:
    """The enabled/disabled product modules of the tenant (mostly enabled, fixed per seed)."""
    rng = random.Random(f"modules-{seed}")
    return [{"key": key, "value": rng.random() < 0.85} for key in MODULE_KEYS]


def auth_token(now: datetime) -> dict[str, str]:
    """AuthTokenResultModel: a random bearer-style token valid for an hour."""
    return {"authToken": secrets.token_urlsafe(32), "expiration": to_wire(now + timedelta(hours=1))}


def _money(value: Any) -> str:
    try:
        return f"{float(value or 0):,.2f}"
    except (TypeError, ValueError):
        return "0.00"


def _invoice_lines(invoice: dict, company: dict | None) -> list[tuple[str, str]]:
    return [
        ("Invoice Number", str(invoice.get("invoiceNumber") or invoice.get("id"))),
        ("Company", str((company or {}).get("companyName") or "")),
        ("Invoice Date", str(invoice.get("invoiceDateTime") or "")[:10]),
        ("Due Date", str(invoice.get("dueDate") or "")[:10]),
        ("Period", f"{str(invoice.get('fromDate') or '')[:10]} - {str(invoice.get('toDate') or '')[:10]}"),
        ("Order Number", str(invoice.get("orderNumber") or "")),
        ("Tax", _money(invoice.get("totalTaxValue"))),
        ("Total", _money(invoice.get("invoiceTotal"))),
    ]


def invoice_html(invoice: dict, company: dict | None) -> str:
    """The invoice rendered as the HTML markup Autotask's invoice templates produce."""
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in _invoice_lines(invoice, company)
    )
    comments = escape(str(invoice.get("comments") or ""))
    return (
        f'<html><head><meta charset="utf-8"><title>Invoice {escape(_invoice_lines(invoice, company)[0][1])}'
        f"</title></head><body><h1>Invoice</h1><table>{rows}</table><p>{comments}</p></body></html>"
    )


def invoice_xml(invoice: dict, company: dict | None) -> str:
    """The invoice as XML markup."""

    def tag(name: str) -> str:
        return "".join(part.capitalize() for part in name.split())

    items = "".join(f"<{tag(k)}>{escape(v)}</{tag(k)}>" for k, v in _invoice_lines(invoice, company))
    return f'<?xml version="1.0" encoding="utf-8"?><Invoice id="{invoice.get("id")}">{items}</Invoice>'


def _pdf_text(text: str) -> str:
    return (
        text.encode("latin-1", "replace")
        .decode("latin-1")
        .replace("\\", "\\\\")
        .replace("(", "\\(")
        .replace(")", "\\)")
    )


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing ``lines`` in Helvetica (with a correct xref table)."""
    content = "BT /F1 12 Tf 72 740 Td 16 TL " + " ".join(f"({_pdf_text(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{off:010d} 00000 n \n" for off in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def invoice_pdf(invoice: dict, company: dict | None) -> dict[str, Any]:
    """FileQueryResultModel: ``data`` is the PDF, base64 (how .NET serializes ``byte[]``)."""
    lines = [f"{k}: {v}" for k, v in _invoice_lines(invoice, company)]
    pdf = minimal_pdf(["Invoice", *lines])
    number = str(invoice.get("invoiceNumber") or invoice.get("id"))
    return {
        "id": invoice.get("id"),
        "contentType": "application/pdf",
        "fileName": f"Invoice_{number}.pdf",
        "fileSize": len(pdf),
        "data": base64.b64encode(pdf).decode("ascii"),
    }


def default_invoice_settings(company: dict) -> dict[str, Any]:
    """AccountInvoiceSettingsResultModel for a company nobody has configured yet."""
    return {
        "taxExempt": bool(company.get("isTaxExempt")),
        "taxRegionId": company.get("taxRegionID"),
        "taxId": company.get("taxID"),
        "invoiceEmailingEnabled": False,
        "contactRecipients": [],
        "resourceRecipients": [],
        "otherEmails": None,
    }


_SETTING_TYPES = {
    "taxExempt": bool,
    "taxRegionId": int,
    "taxId": str,
    "invoiceEmailingEnabled": bool,
    "otherEmails": str,
}


def invoice_settings_update(body: dict) -> dict[str, Any]:
    """The PUT body (UpdateAccountInvoiceSettingsModel) as settings; omitted fields become null/false."""
    by_lower = {k.lower(): v for k, v in body.items()}
    out: dict[str, Any] = {}
    for name, kind in _SETTING_TYPES.items():
        value = by_lower.get(name.lower())
        if value is None:
            out[name] = False if kind is bool else None
            continue
        if kind is bool and not isinstance(value, bool):
            raise ApiError(500, [f"The value for {name} must be true or false."])
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ApiError(500, [f"The value for {name} must be an integer."])
        if kind is str and not isinstance(value, str):
            raise ApiError(500, [f"The value for {name} must be a string."])
        out[name] = value
    return out
