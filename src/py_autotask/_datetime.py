"""Date/time conversion between Python and Autotask's wire format.

Autotask stores and returns every time in UTC. Responses usually carry no offset
(`2024-01-31T15:04:05.307`), but `Z`, explicit offsets and fractions of any length (`.00Z`, seven
digits) are seen too, so parsing accepts them all and always returns an *aware* UTC datetime.

Outgoing values (filters, bodies) are written as ISO 8601 with a `Z` suffix, the form most clients
send: `2026-01-01T00:00:00Z`, with milliseconds (`…:05.307Z`) only when the time has a fraction
(Autotask keeps milliseconds; finer digits are truncated, never rounded up past the stored value).

Naive datetimes are taken to be UTC, matching the API's own convention that every wire time is UTC;
`date` objects mean midnight UTC.

Parsing runs once per datetime cell in an export, so it relies on `datetime.fromisoformat` (C code)
and plain string slicing rather than regular expressions. Python 3.10's `fromisoformat` accepts
neither `Z` nor fractions other than 3 or 6 digits, so the input is normalised to that subset first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

__all__ = [
    "UTC",
    "format_datetime",
    "iso_utc",
    "in_zone",
    "parse_date_or_datetime",
    "parse_datetime",
    "to_epoch_ms",
]

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_fromisoformat = datetime.fromisoformat


def parse_datetime(value: str) -> datetime:
    """Parse an Autotask date/time string (with or without `Z`/offset, any fraction) to aware UTC."""
    # Fast path: Autotask's own response forms `YYYY-MM-DDTHH:MM:SS` and `…SS.fff`, and the same
    # with `Z` as `format_datetime` writes them (exports re-read their own output this way).
    n = len(value)
    if n in (19, 20, 23, 24) and value[10] == "T":
        try:
            parsed = _fromisoformat(value[:-1] if value[-1] == "Z" and n in (20, 24) else value)
        except ValueError:
            pass  # fall through to the general path, which raises a clear error if it fails too
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return _parse_general(value)


def _parse_general(value: str) -> datetime:
    text = value.strip()
    if len(text) < 10:
        raise ValueError(f"not an ISO 8601 date/time: {value!r}")
    offset = ""
    if text[-1] in "Zz":
        text = text[:-1]
    elif len(text) > 10:
        # An offset can only follow the time part, which starts after the 10-character date.
        cut = max(text.rfind("+", 11), text.rfind("-", 11))
        if cut > 0:
            offset = _normalise_offset(text[cut:], value)
            text = text[:cut]
    dot = text.find(".", 11)
    if dot < 0:
        dot = text.find(",", 11)
    if dot > 0:
        fraction = text[dot + 1 :]
        if not fraction.isdigit():
            raise ValueError(f"not an ISO 8601 date/time: {value!r}")
        # 3.10 accepts exactly 3 or 6 digits: truncate or pad to microseconds.
        text = f"{text[:dot]}.{(fraction + '000000')[:6]}"
    try:
        parsed = _fromisoformat(text + offset)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date/time: {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _normalise_offset(offset: str, original: str) -> str:
    """Turn `+02`, `+0200` or `+02:00` into the `+HH:MM` form 3.10 understands."""
    sign, body = offset[0], offset[1:]
    if body.isdigit() and len(body) == 2:
        return f"{sign}{body}:00"
    if body.isdigit() and len(body) == 4:
        return f"{sign}{body[:2]}:{body[2:]}"
    if len(body) == 5 and body[2] == ":" and body[:2].isdigit() and body[3:].isdigit():
        return offset
    raise ValueError(f"not an ISO 8601 date/time (bad UTC offset {offset!r}): {original!r}")


def parse_date_or_datetime(value: str) -> datetime:
    """Parse command-line input (`2026-01-01`, `2026-01-01T10:00`, `…+02:00`) to aware UTC; naive = UTC."""
    text = value.strip()
    if len(text) == 10:
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        except ValueError:
            raise ValueError(f"not a date (expected YYYY-MM-DD): {value!r}") from None
    return _parse_general(text)


def in_zone(local: datetime, zone: tzinfo) -> datetime:
    """A naive wall-clock time read in `zone`, aware; ValueError if that wall time never happens there
    (the hour skipped when clocks go forward) or happens twice (the hour repeated when they go back)."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = local.isoformat(timespec="minutes" if not local.second and not local.microsecond else "seconds")
    name = str(getattr(zone, "key", None) or zone)
    offsets = " or ".join(_offset_text(moment) for moment in (first, second))
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValueError(f"{shown} does not exist in {name} (the clocks skip it when they go forward); "
                         f"write the UTC offset you mean ({offsets})")
    raise ValueError(f"{shown} happens twice in {name} (the clocks go back); write the UTC offset you mean "
                     f"({offsets})")


def _offset_text(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_datetime(value: datetime | date) -> str:
    """Format a datetime (naive = UTC) or a date (midnight UTC) as `YYYY-MM-DDTHH:MM:SS[.fff]Z`."""
    if not isinstance(value, datetime):
        if isinstance(value, date):
            return f"{value.isoformat()}T00:00:00Z"
        raise TypeError(f"expected a datetime or date, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    spec = "milliseconds" if value.microsecond >= 1000 else "seconds"
    return value.isoformat(timespec=spec) + "Z"


def iso_utc(value: str) -> str:
    """Normalise an Autotask date/time string to the `…Z` form (as written by `format_datetime`)."""
    # Fast path for the usual response form `YYYY-MM-DDTHH:MM:SS.fff`: validate, then only add the Z.
    if len(value) == 23 and value[10] == "T" and value[19] == ".":
        try:
            naive = _fromisoformat(value).tzinfo is None
        except ValueError:
            naive = False
        if naive:
            return value[:19] + "Z" if value.endswith(".000") else value + "Z"
    return format_datetime(parse_datetime(value))


def to_epoch_ms(value: str | datetime | date) -> int:
    """Milliseconds since the Unix epoch for an Autotask string, a datetime (naive = UTC) or a date."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
    elif isinstance(value, datetime):
        parsed = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        parsed = datetime.combine(value, datetime.min.time(), UTC)
    else:
        raise TypeError(f"expected a date/time string, datetime or date, got {type(value).__name__}")
    return (parsed - _EPOCH) // _ONE_MS
