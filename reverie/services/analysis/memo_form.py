"""The memo as a researcher fills it in: plain text, or rows added and removed; never JSON.

Every memo field (:func:`reverie.services.analysis.memos.memo_paths`) has a kind: ``text``;
``rows`` of text (discourses, subject positions, defences…); ``constructions`` (construction,
wording, lines); ``positioning`` acts (positioner, positioned, position, storyline, lines, and
the rest of Davies & Harré's record); ``check`` (yes, no or not yet) and ``entries`` (reflexive
log entry numbers).

A :data:`Form` maps each control's name to the values posted under it, in order: a field of rows
repeats its names once per row (``positioning.positioner`` for each act). It is what the page
posts and what a draft keeps, so text that cannot be saved yet is still kept exactly as typed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from reverie.core.errors import InvalidInput
from reverie.services.analysis.memos import (
    POSITIONING_CHOICES,
    MemoFieldError,
    memo_paths,
    show_memo,
)
from reverie.services.study.context import OpenStudy

Form = dict[str, list[str]]

TEXT, ROWS, CONSTRUCTIONS, POSITIONING, CHECK, ENTRIES = "text", "rows", "constructions", "positioning", "check", \
    "entries"

KINDS: dict[str, str] = {
    "willig.constructions": CONSTRUCTIONS, "willig.discourses": ROWS, "willig.positionings": ROWS,
    "willig.practice.enables": ROWS, "willig.practice.constrains": ROWS, "positioning": POSITIONING,
    "psychosocial.defences": ROWS, "psychosocial.researcher_affect": ENTRIES, "psychosocial.whole_case_check": CHECK,
}

LABELS: dict[str, str] = {
    "willig.constructions": "Constructions", "willig.discourses": "Discourses",
    "willig.action_orientation": "Action orientation", "willig.positionings": "Subject positions",
    "willig.practice.enables": "Practice: what it enables",
    "willig.practice.constrains": "Practice: what it constrains",
    "willig.subjectivity": "Subjectivity", "positioning": "Positioning acts",
    "psychosocial.anxieties": "Anxieties", "psychosocial.defences": "Defences",
    "psychosocial.investments": "Investments", "psychosocial.identifications": "Identifications",
    "psychosocial.ambivalence_contradictions": "Ambivalence and contradictions",
    "psychosocial.association_links": "Association links", "psychosocial.embodied_nonverbal": "Embodied and non-verbal",
    "psychosocial.researcher_affect": "Researcher affect (log entries)",
    "psychosocial.whole_case_check": "Fits the whole case", "summary": "Summary",
}

# What one row of a field of rows is called, for its controls' names ("Discourse 2").
ROW_NOUNS: dict[str, str] = {
    "willig.constructions": "construction", "willig.discourses": "discourse", "willig.positionings": "subject position",
    "willig.practice.enables": "enabled practice", "willig.practice.constrains": "constrained practice",
    "positioning": "positioning act", "psychosocial.defences": "defence",
}

CONSTRUCTION_COLUMNS: tuple[tuple[str, str], ...] = (("label", "Construction"), ("wording", "Wording"),
                                                     ("lines", "Lines"))
POSITIONING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("positioner", "Positioner"), ("positioned", "Positioned"), ("position_label", "Position"),
    ("storyline", "Storyline"), ("lines", "Lines"), ("rights_duties", "Rights and duties"),
    ("speech_act", "Speech act"), ("mode", "Mode"), ("order", "Order"), ("intentionality", "Intentionality"),
    ("uptake", "Uptake"), ("discourse_ids", "Discourses drawn on"), ("note", "Note"))
MAIN_POSITIONING_COLUMNS = 5  # positioner … lines; the rest sit under "more about this act"

REASON_FIELDS = ("why", "evidence")
MAX_FORM_CHARS = 500_000
_LINES = re.compile(r"\s*(\d+)\s*(?:(?:-|–|—|to)\s*(\d+))?\s*")


def kind_of(path: str) -> str:
    return KINDS.get(path, TEXT)


def columns_of(path: str) -> tuple[tuple[str, str], ...]:
    """The columns of a field whose rows have several parts (none for text and rows of text)."""
    return {CONSTRUCTIONS: CONSTRUCTION_COLUMNS, POSITIONING: POSITIONING_COLUMNS}.get(kind_of(path), ())


def field_paths() -> list[str]:
    """Every memo field, in the order a memo is read."""
    return [path for path, _ in memo_paths()] + ["summary"]


def control_names(path: str) -> list[str]:
    """The names a field's controls post under."""
    columns = columns_of(path)
    return [f"{path}.{key}" for key, _ in columns] if columns else [path]


def known_names() -> set[str]:
    return {name for path in field_paths() for name in control_names(path)} | set(REASON_FIELDS)


# --- stored values as words ----------------------------------------------------------------------

def lines_text(value: Any) -> str:
    """A line range in words: ``415–419``, or ``415`` for one line."""
    if value in (None, "", []):
        return ""
    if isinstance(value, str):
        return value
    try:
        first, last = (int(v) for v in value)
    except (TypeError, ValueError):
        return str(value)
    return str(first) if first == last else f"{first}–{last}"


def _item_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_item_text(v) for v in value)
    if isinstance(value, dict):
        return record_words(value)
    return str(value)


def record_words(record: dict) -> str:
    """A construction or positioning act in words: ``Positioner: P1 · Position: voice of … · Lines: 3–5``."""
    names = dict(POSITIONING_COLUMNS) | dict(CONSTRUCTION_COLUMNS)
    parts = []
    for key, value in record.items():
        text = lines_text(value) if key == "line_range" else _item_text(value)
        if key in POSITIONING_CHOICES:
            text = text.replace("_", " ")  # "taken up", as the page offers it
        if text:
            parts.append(f"{names.get('lines' if key == 'line_range' else key, key.replace('_', ' ').capitalize())}: "
                         f"{text}")
    return " · ".join(parts)


def words(path: str, value: Any) -> str:
    """A stored field value as plain text, one row a line (what a diff compares)."""
    if value in (None, "", [], {}):
        return ""
    if kind_of(path) == CHECK:
        return "yes" if value is True else "no" if value is False else str(value)
    if isinstance(value, list):
        return "\n".join(_item_text(item) for item in value)
    return _item_text(value)


# --- stored values ↔ the form --------------------------------------------------------------------

def _record_row(path: str, item: Any) -> dict[str, str]:
    columns = columns_of(path)
    if not isinstance(item, dict):
        return {key: (_item_text(item) if key == columns[0][0] else "") for key, _ in columns}
    row = {}
    for key, _ in columns:
        if key == "lines":
            row[key] = lines_text(item.get("line_range"))
        else:
            row[key] = _item_text(item.get(key))
    return row


def _field_rows(path: str, value: Any) -> list:
    kind = kind_of(path)
    items = value if isinstance(value, list) else [] if value in (None, "", {}) else [value]
    if kind in (CONSTRUCTIONS, POSITIONING):
        return [_record_row(path, item) for item in items]
    return [_item_text(item) for item in items]


def form_of(values: dict[str, Any]) -> Form:
    """The form that shows stored field values (``path → value``, as :func:`show_memo` gives them)."""
    form: Form = {}
    for path in field_paths():
        value, kind = values.get(path), kind_of(path)
        if kind in (CONSTRUCTIONS, POSITIONING):
            rows = _field_rows(path, value)
            for key, _ in columns_of(path):
                form[f"{path}.{key}"] = [row[key] for row in rows]
        elif kind == ROWS:
            form[path] = _field_rows(path, value)
        elif kind == ENTRIES:
            form[path] = [str(v) for v in value] if isinstance(value, list) else [_item_text(value)] if value else []
        else:
            form[path] = [words(path, value)]
    return form


def rows_for(form: Form, path: str) -> list:
    """A field's rows as the page shows them (always at least one row, empty when there is none)."""
    columns = columns_of(path)
    if columns:
        count = max((len(form.get(f"{path}.{key}", [])) for key, _ in columns), default=0)
        rows = [{key: _at(form, f"{path}.{key}", n) for key, _ in columns} for n in range(count)]
        return rows or [{key: "" for key, _ in columns}]
    return list(form.get(path) or []) or [""]


def text_for(form: Form, name: str) -> str:
    return _at(form, name, 0)


def _at(form: Form, name: str, n: int) -> str:
    values = form.get(name) or []
    return values[n] if n < len(values) else ""


def _filled(form: Form, path: str) -> list:
    """A field's rows as posted, without empty rows and surrounding spaces (what counts as a change)."""
    columns = columns_of(path)
    if columns:
        rows = [{key: value.strip() for key, value in row.items()} for row in rows_for(form, path)]
        return [row for row in rows if any(row.values())]
    if kind_of(path) == ROWS:
        return [text.strip() for text in rows_for(form, path) if text.strip()]
    if kind_of(path) == ENTRIES:
        return sorted(entry_numbers(form, path), key=lambda part: (len(part), part))
    return [text_for(form, path).strip()]


def entry_numbers(form: Form, path: str = "psychosocial.researcher_affect") -> list[str]:
    """The log entries a field cites, as posted: ticked boxes, or numbers typed as ``3, 7``."""
    return [part for value in form.get(path) or [] for part in re.split(r"[\s,;]+", value) if part]


def _lines(path: str, text: str, number: int) -> list[int]:
    match = _LINES.fullmatch(text)
    if not match:
        raise MemoFieldError(path, f"{ROW_NOUNS[path]} {number}: lines must be a line number or a range such as "
                                   f"415–419, not {text!r}", number)
    first = int(match[1])
    return [first, int(match[2] or first)]


def _record(path: str, row: dict[str, str], number: int) -> Any:
    record: dict[str, Any] = {}
    for key, _ in columns_of(path):
        text = row.get(key, "")
        if not text:
            continue
        if key == "lines":
            record["line_range"] = _lines(path, text, number)
        elif key == "discourse_ids":
            record[key] = [part.strip() for part in text.split(",") if part.strip()]
        elif key in POSITIONING_CHOICES and text not in POSITIONING_CHOICES[key]:
            raise MemoFieldError(path, f"{ROW_NOUNS[path]} {number}: {key} {text!r} is not one of "
                                       f"{', '.join(POSITIONING_CHOICES[key])}", number)
        else:
            record[key] = text
    if kind_of(path) == CONSTRUCTIONS and set(record) == {"label"}:
        return record["label"]
    return record


def _value(path: str, rows: list, stored: Any) -> Any:
    """The value a changed field's rows stand for; a row left as it was keeps its stored item whole."""
    kind = kind_of(path)
    if kind == TEXT:
        return rows[0]
    if kind == CHECK:
        answer = rows[0].lower()
        if answer not in ("", "yes", "no"):
            raise MemoFieldError(path, f"{LABELS[path]} takes yes or no, not {rows[0]!r}")
        return None if not answer else answer == "yes"
    if kind == ENTRIES:
        if not all(part.isdigit() for part in rows):
            raise MemoFieldError(path, f"{LABELS[path]} takes log entry numbers, e.g. 3, 7; not "
                                       f"{' '.join(rows)!r}")
        return list(dict.fromkeys(int(part) for part in rows))
    items = stored if isinstance(stored, list) else []
    kept = {}
    for item in items:
        row = _record_row(path, item) if columns_of(path) else _item_text(item)
        kept.setdefault(repr(row), item)
    value = []
    for number, row in enumerate(rows, 1):
        if repr(row) in kept:
            value.append(kept[repr(row)])
        elif columns_of(path):
            value.append(_record(path, row, number))
        else:
            value.append(row)
    return value


def _put(facets: dict[str, Any], path: str, value: Any) -> None:
    head, *rest = path.split(".")
    if not rest:
        facets[head] = value
        return
    target = facets.setdefault(head, {})
    for key in rest[:-1]:
        target = target.setdefault(key, {})
    target[rest[-1]] = value


def facets_from_form(form: Form, stored: dict[str, Any]) -> dict[str, Any]:
    """Memo facets (for :func:`save_memo`) for the fields the researcher changed from ``stored``.

    A field the form does not carry, or carries as it was, keeps its stored value whole.
    """
    before = form_of(stored)
    facets: dict[str, Any] = {}
    for path in field_paths():
        if not any(name in form for name in control_names(path)):
            continue
        rows = _filled(form, path)
        if rows == _filled(before, path):
            continue
        _put(facets, path, _value(path, rows, stored.get(path)))
    return facets


def clean_form(form: Form) -> Form:
    """Only the memo's own controls, as strings; refuses a form too large to be a memo."""
    cleaned = {name: [str(v) for v in values] for name, values in form.items() if name in known_names()}
    if sum(len(v) for values in cleaned.values() for v in values) > MAX_FORM_CHARS:
        raise InvalidInput(f"a memo holds at most {MAX_FORM_CHARS:,} characters; split it across memos")
    return cleaned


# --- what changed, field by field, in words ------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    """One field's change: its words as runs kept (``same``), deleted (``del``) or inserted (``ins``)."""

    path: str
    label: str
    parts: tuple[tuple[str, str], ...]

    @property
    def inserted(self) -> int:
        return sum(len(text.split()) for op, text in self.parts if op == "ins")

    @property
    def deleted(self) -> int:
        return sum(len(text.split()) for op, text in self.parts if op == "del")


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_changes(path: str, before: Any, after: Any) -> FieldChange:
    old, new = _TOKENS.findall(words(path, before)), _TOKENS.findall(words(path, after))
    parts: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            parts.append(("del", "".join(old[a1:a2])))
        if b2 > b1:
            parts.append(("ins", "".join(new[b1:b2])))
    return FieldChange(path, LABELS.get(path, path), tuple(parts))


def memo_changes(study: OpenStudy, extract: str, old: int, new: int, *,
                 object_code: str | None = None) -> list[FieldChange]:
    """What changed between two versions of a memo, field by field, as words kept, deleted and inserted."""
    before = show_memo(study, extract, object_code=object_code, version=old)
    after = show_memo(study, extract, object_code=object_code, version=new)
    return [word_changes(a.path, a.value, b.value) for a, b in zip(before.fields, after.fields, strict=True)
            if a.value != b.value]
