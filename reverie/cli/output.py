"""How the CLI prints: the two consoles, and one renderer for every listing (table, csv, json).

Transcript text and everything else a researcher typed is data, never markup and never terminal
commands: the consoles print with Rich markup off, do not wrap when stdout is not a terminal,
and strip control and escape characters, so a pasted "\\x1b]52;..." cannot reach the terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

# Whole escape sequences first (CSI, OSC, DCS/PM/APC strings, two-character escapes), then any
# control character left: C0 but tab and newline, DEL, and C1.
_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -~]?)"
                       r"|\x9b[0-?]*[ -/]*[@-~]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")


def clean(text: str, *, one_line: bool = False) -> str:
    """The text without terminal escape sequences and control characters (tabs and newlines kept,
    or made spaces when ``one_line``)."""
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def _data_console(*, wrap: bool = True, **options: Any):
    """A Rich console for data: strings are cleaned, and lines are never wrapped off a terminal
    (nor anywhere, with ``wrap=False``: an error stays one line however wide)."""
    from rich.console import Console

    class DataConsole(Console):
        def print(self, *objects: Any, soft_wrap: bool | None = None, **options: Any) -> None:
            if soft_wrap is None:
                # Decided per call, not at import: tests and pipes swap sys.stdout after import.
                soft_wrap = not (wrap and self.is_terminal)
            objects = tuple(clean(o) if isinstance(o, str) else o for o in objects)
            super().print(*objects, soft_wrap=soft_wrap, **options)

    return DataConsole(**options)


class _Console:
    """A console made on first use: Rich is imported only by a command that prints through it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)

    def print(self, *objects: Any, **options: Any) -> None:
        """Print as the data console does; plain text off a terminal is written without loading Rich.

        Off a terminal Rich prints cleaned strings as they are (no wrapping, cropping or styles),
        but for tabs, which it expands to its tab stops; a citation or a transcript line then costs
        no import of Rich, a tenth of a second. Anything else (a table, a tab, a terminal) is Rich's.
        """
        if (self._console is None and objects and all(type(o) is str for o in objects)
                and set(options) <= {"overflow", "crop"} and not self.is_terminal):
            text = " ".join(clean(o) for o in objects)
            if "\t" not in text:
                stream = sys.stderr if self._options.get("stderr") else sys.stdout
                stream.write(text + "\n")
                stream.flush()
                return
        self.rich().print(*objects, **options)

    def rich(self):
        """The Rich console itself, for Rich's own widgets (a progress bar enters it as a context)."""
        if self._console is None:
            self._console = _data_console(**self._options)
        return self._console

    @property
    def is_terminal(self) -> bool:
        """Rich's answer; a stream that is no terminal, with no variable forcing one, says no without Rich."""
        if self._console is None and not {"TTY_COMPATIBLE", "FORCE_COLOR"} & os.environ.keys():
            isatty = getattr(sys.stderr if self._options.get("stderr") else sys.stdout, "isatty", None)
            try:
                if isatty is None or not isatty():
                    return False
            except ValueError:
                return False
        return self.__getattr__("is_terminal")


out = _Console(markup=False, highlight=False, emoji=False)
err = _Console(stderr=True, wrap=False, markup=False, highlight=False, emoji=False)


# --- formats ---------------------------------------------------------------------------------

FORMATS = ("table", "csv", "json")
ALIASES = {"text": "table"}


def format_help(extra: Sequence[str] = ()) -> str:
    names = ["csv", "json", *extra]
    return (f"table (the default: aligned on a terminal, one tab-separated row per line when piped), "
            f"{', '.join(names[:-1])} or {names[-1]}; text means table.")


def format_callback(extra: Sequence[str] = ()) -> Callable[[str], str]:
    """Normalise a --format value (aliases, case), refusing an unknown one with a one-line error."""

    def normalise(value: str) -> str:
        from reverie.core.errors import InvalidInput

        name = ALIASES.get(value.strip().lower(), value.strip().lower())
        allowed = (*FORMATS, *extra)
        if name not in allowed:
            raise InvalidInput(f"unknown format {value!r}: use {', '.join(allowed[:-1])} or {allowed[-1]}")
        return name

    return normalise


# --- rendering -------------------------------------------------------------------------------

Row = Mapping[str, Any]
# A table column: a key of the row, or a header with the function that makes the cell from the row.
Column = str | tuple[str, Callable[[Row], Any]]


def as_rows(items: Iterable[Any], **renames: str) -> list[dict[str, Any]]:
    """Dataclass instances as row dicts, with some keys renamed (``code="participant"``)."""
    rows = []
    for item in items:
        row = asdict(item) if is_dataclass(item) else dict(item)
        rows.append({renames.get(key, key): value for key, value in row.items()})
    return rows


def field_names(cls: type, **renames: str) -> list[str]:
    """The keys :func:`as_rows` gives a dataclass's rows, for the header of an empty listing."""
    return [renames.get(f.name, f.name) for f in fields(cls)]


def print_rows(rows: Sequence[Row], fmt: str, *, keys: Sequence[str] | None = None,
               view: Sequence[Column] | None = None, title: str | None = None, section: bool = False,
               output: Path | None = None) -> None:
    """Print a listing in one of the shared formats: ``table``, ``csv`` or ``json``.

    ``rows`` carry the data: every key goes to csv and json (``keys`` names them when there may be
    no rows). ``view`` picks and makes the columns the table format shows, when that is a
    shorter or friendlier view. ``section`` marks one of several tables printed together: piped,
    its title line comes first and a blank line after.
    """
    if fmt == "json":
        _write(json.dumps([{key: _json_value(value) for key, value in row.items()} for row in rows],
                          ensure_ascii=False, indent=1) + "\n", output)
    elif fmt == "csv":
        heads = list(rows[0]) if rows else list(keys or [])
        terminal = output is None and out.is_terminal
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # RFC 4180: a header, CRLF line ends, quotes where needed
        writer.writerow(heads)
        for row in rows:
            cells = [_cell(row.get(h), one_line=False, exact=True) for h in heads]
            writer.writerow([clean(c) for c in cells] if terminal else cells)
        _write(buffer.getvalue(), output)
    elif fmt == "table":
        columns = list(view) if view is not None else list(rows[0]) if rows else list(keys or [])
        heads = [c if isinstance(c, str) else c[0] for c in columns]
        shown = [[row.get(c) if isinstance(c, str) else c[1](row) for c in columns] for row in rows]
        if output is None and out.is_terminal:
            _rich_table(heads, shown, title)
            return
        lines = [title] if section and title else []
        lines.append("\t".join(clean(h, one_line=True) for h in heads))
        lines += ["\t".join(_cell(value, one_line=True) for value in cells) for cells in shown]
        _write("\n".join(lines) + "\n" + ("\n" if section else ""), output)
    else:
        raise ValueError(f"unknown format {fmt!r}")  # the --format callback refuses it before this


def write_text_output(text: str, output: Path | None) -> None:
    """Write a rendered document to a file, or to stdout (cleaned when that is a terminal)."""
    if output is None:
        sys.stdout.write(clean(text) if out.is_terminal else text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8", newline="")
        err.print(f"wrote {output}")


def _rich_table(heads: list[str], rows: list[list[Any]], title: str | None) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    for index, head in enumerate(heads):
        values = [cells[index] for cells in rows if cells[index] is not None]
        numeric = bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        table.add_column(clean(head), justify="right" if numeric else "left")
    for cells in rows:
        table.add_row(*(Text(clean(_cell(value, one_line=False))) for value in cells))
    out.print(table)


def _cell(value: Any, *, one_line: bool, exact: bool = False) -> str:
    """A value as the text of one table or csv cell (``exact``: numbers as stored, for csv)."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = repr(value) if exact else f"{value:g}"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, Mapping):
        text = ("; " if one_line else "\n").join(f"{k}: {_cell(v, one_line=True)}" for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        text = "; ".join(_cell(v, one_line=True) for v in value)
    else:
        text = str(value)
    return clean(text, one_line=True) if one_line else text


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _json_value(asdict(value))
    return value
