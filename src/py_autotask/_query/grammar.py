"""The command-line filter grammar: text → `Condition`/`Group` (documented in `py_autotask.query`).

Values stay untyped `Literal`s here; they are typed once the field's data type is known, so
`status=1` can become the integer 1 while `title=1` becomes the string "1".
"""

from __future__ import annotations

from dataclasses import dataclass

from .._exceptions import QuerySyntaxError
from .expr import NO_VALUE, Condition, Expr, Group, Literal

__all__ = ["parse_filter"]

# Symbol → Autotask operator. Two-character symbols are matched before one-character ones.
_SYMBOLS = {
    "==": "eq",
    "!=": "noteq",
    "<>": "noteq",
    "<=": "lte",
    ">=": "gte",
    "^=": "beginsWith",
    "$=": "endsWith",
    "=": "eq",
    "<": "lt",
    ">": "gt",
    "~": "contains",
}
_TWO_CHAR = frozenset(s for s in _SYMBOLS if len(s) == 2)
_WORD_STOP = frozenset(" \t\r\n\f\v()\",'=<>!~")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
_MAX_DEPTH = 64
_OPERATOR_HINT = "=, !=, <, <=, >, >=, ~ (contains), ^= (begins with), $= (ends with), in, not in, exists"


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", ",", "op", "string", "word", "end"
    text: str
    pos: int

    def is_word(self, *keywords: str) -> bool:
        return self.kind == "word" and self.text.lower() in keywords


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "(),":
            tokens.append(_Token(c, c, i))
            i += 1
        elif c in "\"'":
            value, i_next = _read_string(text, i)
            tokens.append(_Token("string", value, i))
            i = i_next
        elif text[i : i + 2] in _TWO_CHAR:
            tokens.append(_Token("op", text[i : i + 2], i))
            i += 2
        elif c in "=<>~":
            tokens.append(_Token("op", c, i))
            i += 1
        elif c == "!":
            raise QuerySyntaxError("'!' must be followed by '=' (not equal)", text=text, position=i)
        else:
            start = i
            while i < n and text[i] not in _WORD_STOP and text[i : i + 2] not in ("^=", "$="):
                i += 1
            tokens.append(_Token("word", text[start:i], start))
    tokens.append(_Token("end", "", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at `start`; return its value and the index after it."""
    quote = text[start]
    parts: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == quote:
            return "".join(parts), i + 1
        if c == "\\":
            escaped = text[i + 1 : i + 2]
            if escaped not in _ESCAPES:
                raise QuerySyntaxError(
                    "unknown escape in a quoted string (use \\\\, \\\", \\', \\n, \\t or \\r)",
                    text=text,
                    position=i,
                )
            parts.append(_ESCAPES[escaped])
            i += 2
        else:
            parts.append(c)
            i += 1
    raise QuerySyntaxError("unterminated quoted string", text=text, position=start)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def error(self, message: str, token: _Token) -> QuerySyntaxError:
        return QuerySyntaxError(message, text=self.text, position=token.pos)

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        if self.token.kind != kind:
            raise self.error(f"expected {what}, found {_describe(self.token)}", self.token)
        return self.advance()

    def parse(self) -> Expr:
        expr = self.or_expr()
        if self.token.kind != "end":
            raise self.error(
                f"unexpected {_describe(self.token)}; expected 'and', 'or', ')' or the end", self.token
            )
        return expr

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while self.token.is_word("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else _group("or", items)

    def and_expr(self) -> Expr:
        items = [self.term()]
        while self.token.is_word("and"):
            self.advance()
            items.append(self.term())
        return items[0] if len(items) == 1 else _group("and", items)

    def term(self) -> Expr:
        token = self.token
        if token.kind == "(":
            if self.depth >= _MAX_DEPTH:
                raise self.error(f"parentheses nested deeper than {_MAX_DEPTH} levels", token)
            self.advance()
            self.depth += 1
            expr = self.or_expr()
            self.depth -= 1
            if self.token.kind != ")":
                raise self.error(
                    f"expected ')' to close the '(' at column {token.pos + 1}, found {_describe(self.token)}",
                    self.token,
                )
            self.advance()
            return expr
        if token.is_word("not"):
            raise self.error(
                "Autotask has no NOT: write the opposite condition (!=, not in, not exists)", token
            )
        return self.condition()

    def field(self) -> tuple[str, bool, _Token]:
        token = self.advance()
        if token.kind == "string":
            if not token.text:
                raise self.error("a field name cannot be empty", token)
            return token.text, False, token
        if token.kind != "word" or token.is_word("and", "or"):
            raise self.error(f"expected a field name, found {_describe(token)}", token)
        if token.text.lower().startswith("udf:"):
            name = token.text[4:]
            if not name:
                if self.token.kind != "string" or self.token.pos != token.pos + len(token.text):
                    raise self.error('expected a UDF name after udf: (e.g. udf:"Customer Ranking")', token)
                name = self.advance().text
            if not name.strip():
                raise self.error("a UDF name cannot be empty", token)
            return name, True, token
        name = token.text
        if not (name.isascii() and name.replace("_", "a").isalnum() and not name[0].isdigit()):
            raise self.error(f"{name!r} is not a field name (letters, digits and _ only)", token)
        return name, False, token

    def condition(self) -> Condition:
        name, udf, field_token = self.field()
        pos, op_token = field_token.pos, self.token

        def make(op: str, value: object = NO_VALUE) -> Condition:
            return Condition(op, name, value, udf, pos, source=self.text)

        if op_token.kind == "op":
            self.advance()
            op = _SYMBOLS[op_token.text]
            value_token = self.token
            if value_token.is_word("null") and op in ("eq", "noteq"):
                self.advance()
                return make("notExist" if op == "eq" else "exist")
            return make(op, self.literal())
        if op_token.is_word("in"):
            self.advance()
            return make("in", self.literal_list())
        if op_token.is_word("exists"):
            self.advance()
            return make("exist")
        if op_token.is_word("not"):
            self.advance()
            if self.token.is_word("in"):
                self.advance()
                return make("notIn", self.literal_list())
            if self.token.is_word("exists"):
                self.advance()
                return make("notExist")
            raise self.error(
                f"expected 'in' or 'exists' after 'not', found {_describe(self.token)}", self.token
            )
        if op_token.is_word("is"):
            self.advance()
            negated = self.token.is_word("not")
            if negated:
                self.advance()
            if not self.token.is_word("null"):
                raise self.error(f"expected 'null' after 'is', found {_describe(self.token)}", self.token)
            self.advance()
            return make("exist" if negated else "notExist")
        raise self.error(f"expected an operator ({_OPERATOR_HINT}) after {name!r}", op_token)

    def literal(self) -> Literal:
        token = self.token
        if token.kind == "string" or (token.kind == "word" and not token.is_word("and", "or", "null")):
            self.advance()
            return Literal(token.kind, token.text, token.pos)
        if token.is_word("null"):
            raise self.error("null can only be compared with = or != (or write 'is null')", token)
        raise self.error(f"expected a value, found {_describe(token)}", token)

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("(", "'(' to start the list of values")
        values = [self.literal()]
        while self.token.kind == ",":
            self.advance()
            if self.token.kind == ")":  # tolerate a trailing comma
                break
            values.append(self.literal())
        self.expect(")", "',' or ')' in the list of values")
        return tuple(values)


def _group(op: str, items: list[Expr]) -> Group:
    flat: list[Expr] = []
    for item in items:
        if isinstance(item, Group) and item.op == op:
            flat.extend(item.items)
        else:
            flat.append(item)
    return Group(op, tuple(flat))


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the filter"
    if token.kind == "string":
        return f"the string {token.text!r}"
    return repr(token.text)


def parse_filter(text: str) -> Expr | None:
    """Parse the string grammar into an expression; blank text means "no condition" (None)."""
    if not isinstance(text, str):
        raise TypeError(f"expected a filter string, got {type(text).__name__}")
    if not text.strip():
        return None
    return _Parser(text).parse()
