"""The signature scheme: Autotask's escaped form, both forms verified, everything else refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
import pytest

from py_autotask.webhooks import autotask_form, sign, verify

SECRET = "s3cr3t-key"
BODY = orjson.dumps({"Guid": "x", "Fields": {"title": 'Café & <b>"Q"</b> it\'s 1+1 `x` 🎉 \\ end'}, "n": 7})


def _hmac(secret: str, data: bytes) -> str:
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha1).digest()).decode()


def test_the_escaped_form_is_what_dotnet_writes() -> None:
    assert autotask_form(BODY) == (
        b'{"Guid":"x","Fields":{"title":"Caf\\u00E9 \\u0026 \\u003Cb\\u003E\\u0022Q\\u0022\\u003C/b\\u003E it'
        b'\\u0027s 1\\u002B1 \\u0060x\\u0060 \\uD83C\\uDF89 \\\\ end"},"n":7}'
    )
    # Outside strings nothing changes (an exponent's + stays), and already-escaped text is kept as sent.
    assert autotask_form(b'{"a":1e+5,"b":"\\u00e9\\n"}') == b'{"a":1e+5,"b":"\\u00e9\\n"}'
    assert autotask_form(b'\xff{"a":1}') is None  # not UTF-8: there is no escaped form


def test_signatures_over_either_form_verify() -> None:
    assert sign(SECRET, BODY) == _hmac(SECRET, autotask_form(BODY) or b"")
    assert verify(BODY, _hmac(SECRET, autotask_form(BODY) or b""), [SECRET])
    assert verify(BODY, _hmac(SECRET, BODY), [SECRET])
    assert verify(BODY, _hmac(SECRET, BODY).replace("sha1=", "SHA1="), ["other", SECRET])  # rotation: any key


@pytest.mark.parametrize("header", [
    None, "", "sha1=", "sha1=!!notbase64!!", _hmac("another-secret", BODY), _hmac(SECRET, BODY + b" "),
    _hmac(SECRET, BODY)[:-4] + "AAA=",
])
def test_anything_else_is_refused(header: str | None) -> None:
    assert not verify(BODY, header, [SECRET])


def test_a_tampered_body_is_refused() -> None:
    good = sign(SECRET, BODY)
    assert not verify(BODY.replace(b"Caf", b"Cof"), good, [SECRET])
    assert not verify(BODY, good, [""])  # an empty secret never verifies anything
