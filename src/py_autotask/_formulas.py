"""CSV formula injection: text a spreadsheet would evaluate is written with a leading `'`.

Excel, LibreOffice and Google Sheets evaluate a CSV cell that starts with `=`, `+`, `-` or `@` (and,
through their import quirks, tab and carriage return) as a formula — so a ticket title a customer
typed, `=HYPERLINK("http://evil.example","click")`, becomes a live link or worse in whoever opens the
export. OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection): prefix such cells with a
single quote, which spreadsheets show as text and do not display.

Only text is neutralised: a number is data (`-5` stays `-5`), and so is a number that arrived as text in
a numeric column (a numeric UDF's "-7.25"). A text field's "-5" is text and gets its quote: a reader
cannot tell it from the start of a formula. Programs that read the CSV can turn it off (`--csv-raw`).
XLSX needs none of this: its writers store text as text, never as formulas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_TRIGGERS", "is_number_text", "neutralise", "neutralise_cell"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def neutralise(text: str) -> str:
    """`text` with a leading `'` when it starts with a formula trigger, else unchanged."""
    return "'" + text if text[:1] in FORMULA_TRIGGERS else text


def neutralise_cell(value: Any) -> Any:
    """A cell value made safe for a spreadsheet: text is neutralised, anything else is returned as it is."""
    return "'" + value if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS else value


def is_number_text(text: str) -> bool:
    """True for text that is a plain decimal number ("-7.25", "+3", "-1e3"): data, not a formula."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")
