"""How a callout is signed: ``X-Hook-Signature: sha1=<base64 HMAC-SHA1(secret key, escaped JSON)>``.

Autotask sends the JSON as is but signs a re-escaped form of it: inside string values ``& < > ' + ` ``
and every non-ASCII character become ``\\uXXXX`` (upper-case hex, UTF-16 units: an emoji is two escapes)
and an escaped quote ``\\"`` becomes ``\\u0022`` — what .NET's default JSON encoder writes. Autotask's
page (https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/SecretKeyPayloadVerification.htm)
only says "HMAC-SHA1 of the payload"; the escaped form is the one n8n's Autotask node verifies (first,
then the raw bytes), which is why a receiver that hashes the raw bytes fails on any payload with an
accent, an ampersand or an emoji — and why the sandbox signs exactly this form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

__all__ = ["escaped_form", "signature"]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SPECIAL = re.compile(r"\\.|[&<>'+`]|[^\x00-\x7f]", re.DOTALL)


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    if text[0] == "\\":
        return "\\u0022" if text == '\\"' else text
    units = text.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04X}" for i in range(0, len(units), 2))


def escaped_form(body: bytes) -> bytes:
    """The form of a UTF-8 JSON body that Autotask signs (only string contents change)."""
    return _STRING.sub(lambda m: _SPECIAL.sub(_escape, m.group().decode("utf-8")).encode("ascii"), body)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hook-Signature`` value of a callout body (signed over its escaped form)."""
    digest = hmac.new(secret.encode("utf-8"), escaped_form(body), hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")
