"""Citations for extracts in a report: "(Extract 1. P1, Occupational Therapist. Lines 978-81)".

The wording is a study setting (METHOD.md §8.3, §10.1): journals and supervisors differ, and a
study must cite the same way in every chapter, so the templates and range style live in one
:class:`CitationStyle` that the report renderer passes down.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from reverie.core.errors import InvalidInput
from reverie.core.ranges import RANGE_STYLES, format_range, lines_word

BLOCK_FIELDS = frozenset({"n", "pcode", "descriptor", "lines_word", "range"})
INLINE_FIELDS = frozenset({"pcode", "lines_word", "range"})


def _check_template(which: str, template: str, allowed: frozenset[str]) -> None:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise InvalidInput(f"the {which} citation template is malformed: {error}") from None
    unknown = fields - allowed
    if unknown:
        raise InvalidInput(
            f"the {which} citation template uses unknown field(s) "
            f"{', '.join('{' + name + '}' for name in sorted(unknown))}; "
            f"it may use {', '.join('{' + name + '}' for name in sorted(allowed))}"
        )


@dataclass(frozen=True)
class CitationStyle:
    """How a study cites extracts; the defaults reproduce the reference paper's citations."""

    range_style: str = "minimal"
    dash: str = "-"
    block_template: str = "(Extract {n}. {pcode}, {descriptor}. {lines_word} {range})"
    inline_template: str = "({pcode}. {lines_word} {range})"
    descriptor_field: str = "profession"

    def __post_init__(self) -> None:
        # Refuse a broken style when it is configured, not halfway through rendering a report.
        if self.range_style not in RANGE_STYLES:
            raise InvalidInput(
                f"unknown range style {self.range_style!r}; "
                f"choose one of {', '.join(RANGE_STYLES)}"
            )
        _check_template("block", self.block_template, BLOCK_FIELDS)
        _check_template("inline", self.inline_template, INLINE_FIELDS)


def cite_block(
    n: int, pcode: str, descriptor: str, start: int, end: int, style: CitationStyle = CitationStyle()
) -> str:
    """The citation under a displayed extract, e.g. "(Extract 2. P1, Occupational Therapist. Lines 982-5)"."""
    return style.block_template.format(
        n=n,
        pcode=pcode,
        descriptor=descriptor,
        lines_word=lines_word(start, end),
        range=format_range(start, end, style.range_style, style.dash),
    )


def cite_inline(pcode: str, start: int, end: int, style: CitationStyle = CitationStyle()) -> str:
    """The citation after a short quotation in running text, e.g. "(P4. Line 527)"."""
    return style.inline_template.format(
        pcode=pcode,
        lines_word=lines_word(start, end),
        range=format_range(start, end, style.range_style, style.dash),
    )

