"""A small search-query language, parsed once and rendered for SQLite FTS5 and PostgreSQL.

Researchers type ``milk``, ``"little things"``, ``mil*``, ``peer AND NOT doctor`` or
``(milk OR tea) AND home``. Parsing it ourselves (rather than passing it to each engine) means a
malformed query gets our clear message instead of an engine error, and both backends receive
the same query, so they return the same lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reverie.core.errors import InvalidInput

_TOKEN = re.compile(r'\s*(?:(?P<phrase>"[^"]*")|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()"]+))')
_OPERATORS = {"AND", "OR", "NOT"}
_WORD_CHARS = re.compile(r"\w+", re.UNICODE)
# Bounds that no researcher's query comes near, checked before parsing: a query nested thousands
# deep would exhaust Python's recursion, and a very long one PostgreSQL's stack ("stack depth limit
# exceeded") when its tsquery is built and run.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 64
MAX_QUERY_DEPTH = 10


@dataclass(frozen=True)
class Term:
    """A word or phrase to find; ``prefix`` when it ended in ``*``."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class BoolOp:
    op: str  # "AND" | "OR"
    operands: tuple


def parse_query(text: str):
    """Parse a query into Term / Not / BoolOp nodes (implicit AND between neighbours)."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    tokens = _tokenize(text)
    if not tokens:
        raise InvalidInput("the search query is empty")
    _check_shape(tokens)
    node, rest = _parse_or(tokens)
    if rest:
        raise InvalidInput(f"cannot understand the search query near {rest[0][1]!r}")
    return node


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidInput(f"cannot understand the search query {text!r} (unbalanced quote?)")
        position = match.end()
        if match.group("phrase") is not None:
            tokens.append(("phrase", match.group("phrase")[1:-1]))
        elif match.group("open"):
            tokens.append(("open", "("))
        elif match.group("close"):
            tokens.append(("close", ")"))
        else:
            word = match.group("word")
            tokens.append(("op", word) if word in _OPERATORS else ("word", word))
    return tokens


def _check_shape(tokens: list[tuple[str, str]]) -> None:
    """Refuse queries nested too deep or with too many words, before the recursive parser sees them."""
    depth = deepest = 0
    nots = 0
    for kind, value in tokens:
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth + nots)
        elif kind == "close":
            depth -= 1
            nots = 0
        elif (kind, value) == ("op", "NOT"):
            nots += 1
            deepest = max(deepest, depth + nots)
        else:
            nots = 0
    if deepest > MAX_QUERY_DEPTH:
        raise InvalidInput(f"the search query nests brackets or NOTs {deepest} deep; the limit is {MAX_QUERY_DEPTH}")
    words = sum(1 for kind, _ in tokens if kind in ("word", "phrase"))
    if words > MAX_QUERY_TERMS:
        raise InvalidInput(f"the search query has {words} words or phrases; the limit is {MAX_QUERY_TERMS}")


def _parse_or(tokens):
    node, tokens = _parse_and(tokens)
    operands = [node]
    while tokens and tokens[0] == ("op", "OR"):
        node, tokens = _parse_and(tokens[1:])
        operands.append(node)
    return (operands[0] if len(operands) == 1 else BoolOp("OR", tuple(operands))), tokens


def _parse_and(tokens):
    node, tokens = _parse_unary(tokens)
    operands = [node]
    while tokens and tokens[0] != ("op", "OR") and tokens[0][0] != "close":
        if tokens[0] == ("op", "AND"):
            tokens = tokens[1:]
        node, tokens = _parse_unary(tokens)
        operands.append(node)
    return (operands[0] if len(operands) == 1 else BoolOp("AND", tuple(operands))), tokens


def _parse_unary(tokens):
    if not tokens:
        raise InvalidInput("the search query ends where a word was expected")
    kind, value = tokens[0]
    if (kind, value) == ("op", "NOT"):
        node, rest = _parse_unary(tokens[1:])
        return Not(node), rest
    if kind == "open":
        node, rest = _parse_or(tokens[1:])
        if not rest or rest[0][0] != "close":
            raise InvalidInput("the search query has an unclosed bracket")
        return node, rest[1:]
    if kind in ("word", "phrase"):
        prefix = value.endswith("*")
        words = tuple(_WORD_CHARS.findall(value.rstrip("*")))
        if not words:
            raise InvalidInput(f"{value!r} has no letters or digits to search for")
        return Term(words, prefix), tokens[1:]
    raise InvalidInput(f"cannot understand the search query near {value!r}")


def terms(node) -> list[Term]:
    """The positive terms of a query, for highlighting matches in the results."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for operand in node.operands for t in terms(operand)]


def to_fts5(node) -> str:
    """The FTS5 MATCH expression (every word quoted, so no input is read as FTS5 syntax)."""
    if isinstance(node, Term):
        phrase = '"' + " ".join(node.words) + '"'
        return phrase + ("*" if node.prefix else "")
    if isinstance(node, Not):
        raise InvalidInput("NOT needs something before it, as in: peer NOT doctor")
    parts = []
    for operand in node.operands:
        if isinstance(operand, Not):
            if node.op != "AND" or not parts:
                raise InvalidInput("NOT needs something before it, as in: peer NOT doctor")
            parts[-1] = f"({parts[-1]} NOT {to_fts5(operand.operand)})"
        else:
            parts.append(to_fts5(operand))
    return "(" + f" {node.op} ".join(parts) + ")" if len(parts) > 1 else parts[0]


def to_tsquery_parts(node, params: dict[str, str]) -> str:
    """A PostgreSQL tsquery expression with bound parameters, the same query as :func:`to_fts5`."""
    if isinstance(node, Term):
        name = f"q{len(params)}"
        if node.prefix:
            params[name] = " <-> ".join(node.words) + ":*"
            return f"to_tsquery('simple', reverie_unaccent(:{name}))"
        params[name] = " ".join(node.words)
        return f"phraseto_tsquery('simple', reverie_unaccent(:{name}))"
    if isinstance(node, Not):
        return f"(!! {to_tsquery_parts(node.operand, params)})"
    joiner = " && " if node.op == "AND" else " || "
    return "(" + joiner.join(to_tsquery_parts(operand, params) for operand in node.operands) + ")"
