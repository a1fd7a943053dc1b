"""The citation renderer reproduces the reference study's citations exactly (METHOD.md §11)."""

import pytest

from reverie.core.citation import CitationStyle, cite_block, cite_inline
from reverie.core.errors import InvalidInput

EXTRACTS = [
    (1, "P1", "Occupational Therapist", 978, 981),
    (2, "P1", "Occupational Therapist", 982, 985),
    (3, "P2", "Psychologist", 601, 604),
    (4, "P2", "Psychologist", 216, 222),
    (5, "P3", "Nurse", 415, 419),
]
EXPECTED = [
    "(Extract 1. P1, Occupational Therapist. Lines 978-81)",
    "(Extract 2. P1, Occupational Therapist. Lines 982-5)",
    "(Extract 3. P2, Psychologist. Lines 601-4)",
    "(Extract 4. P2, Psychologist. Lines 216-22)",
    "(Extract 5. P3, Nurse. Lines 415-9)",
    "(P1. Line 987)",
    "(P4. Line 527)",
]


def test_reference_study_citations_come_out_exactly():
    style = CitationStyle()
    rendered = [cite_block(*extract, style=style) for extract in EXTRACTS]
    rendered += [cite_inline("P1", 987, 987, style), cite_inline("P4", 527, 527, style)]
    assert rendered == EXPECTED


def test_a_study_can_choose_its_own_wording():
    style = CitationStyle(range_style="oxford", dash="–",
                          inline_template="[{pcode}, {lines_word} {range}]")
    assert cite_inline("P3", 415, 419, style) == "[P3, Lines 415–19]"
    assert cite_block(5, "P3", "Nurse", 415, 419, style) == "(Extract 5. P3, Nurse. Lines 415–19)"


@pytest.mark.parametrize("settings", [
    {"range_style": "apa"},
    {"block_template": "(Extract {number})"},
    {"inline_template": "({pcode}, {descriptor})"},
    {"inline_template": "({pcode"},
])
def test_a_broken_style_is_refused_when_configured(settings):
    with pytest.raises(InvalidInput):
        CitationStyle(**settings)
