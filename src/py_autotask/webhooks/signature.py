"""Autotask's webhook signature: ``X-Hook-Signature: sha1=<base64 HMAC-SHA1(secret key, body)>``.

The trap: Autotask does not sign the bytes it sends. It signs the JSON with the characters
``& < > ' + ` `` and every non-ASCII character inside string values written as ``\\uXXXX`` escapes
(upper-case hex, UTF-16 units, so an emoji is two escapes) and an escaped quote ``\\"`` written as
``\\u0022`` — the form .NET's default JSON encoder produces. Its documentation
(https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/SecretKeyPayloadVerification.htm)
says only "HMAC-SHA1 of the payload"; the escaped form is what n8n's Autotask node verifies first,
falling back to the raw bytes. :func:`verify` does the same: a signature over either form, with any of
the given secrets, is accepted; each comparison is constant-time (``hmac.compare_digest``) and all of
them run, whichever matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable

__all__ = ["SIGNATURE_HEADER", "autotask_form", "sign", "verify"]

SIGNATURE_HEADER = "x-hook-signature"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SPECIAL = re.compile(r"\\.|[&<>'+`]|[^\x00-\x7f]", re.DOTALL)


def _escape_char(match: re.Match[str]) -> str:
    text = match.group()
    if text[0] == "\\":
        return "\\u0022" if text == '\\"' else text  # other escapes (\\ \n \u00e9 …) stay as sent
    units = text.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04X}" for i in range(0, len(units), 2))


def _escape_string(match: re.Match[bytes]) -> bytes:
    return _SPECIAL.sub(_escape_char, match.group().decode("utf-8")).encode("ascii")


def autotask_form(body: bytes) -> bytes | None:
    """The escaped form of a JSON body that Autotask signs (None when the body is not UTF-8)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _STRING.sub(_escape_string, body)


def _digest(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha1).digest()


def sign(secret: str, body: bytes, *, escaped: bool = True) -> str:
    """The ``X-Hook-Signature`` value Autotask sends for ``body`` (over the escaped form by default)."""
    data = autotask_form(body) if escaped else body
    return "sha1=" + base64.b64encode(_digest(secret, body if data is None else data)).decode("ascii")


def verify(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """Whether ``header`` is a valid signature of ``body`` (escaped or raw form) under one of ``secrets``."""
    if not header:
        return False
    value = header.strip()
    if value[:5].lower() == "sha1=":
        value = value[5:]
    try:
        given = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    forms = [body]
    escaped = autotask_form(body)
    if escaped is not None and escaped != body:
        forms.append(escaped)
    matched = False
    for secret in secrets:
        if not secret:
            continue
        for form in forms:
            matched |= hmac.compare_digest(_digest(secret, form), given)
    return matched
