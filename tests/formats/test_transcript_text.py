"""Plain-text transcripts: speaker labels, line numbers, timestamps, encodings and bad input."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.core.transcript import SourceLine
from reverie.formats.transcripts import SpeakerLabels, read_transcript


def write(tmp_path: Path, text: str, name: str = "interview.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def speakers_and_texts(parsed):
    return [(turn.speaker, turn.text) for turn in parsed.turns]


def test_aliases_map_to_study_codes_and_continuation_lines_join(tmp_path):
    path = write(
        tmp_path,
        "Interviewer: Can you tell me about\n"
        "a time at work?\n"
        "\n"
        "Respondent: Yes.\n"
        "INT: Go on.\n"
        "R: Well, the peer [support worker] came in…\n"
        "  and sat down.\n",
    )

    parsed = read_transcript(path, participant_code="P1")

    assert speakers_and_texts(parsed) == [
        ("I", "Can you tell me about a time at work?"),
        ("P1", "Yes."),
        ("I", "Go on."),
        ("P1", "Well, the peer [support worker] came in… and sat down."),
    ]
    assert parsed.source_name == "interview.txt"
    assert parsed.warnings == []
    assert not parsed.has_line_numbers


def test_participant_aliases_without_a_participant_code_become_r(tmp_path):
    path = write(tmp_path, "I: Hello.\nParticipant: Hi.\ninterviewee: Yes.\n")

    assert [turn.speaker for turn in read_transcript(path).turns] == ["I", "R", "R"]


def test_configured_labels_replace_the_defaults(tmp_path):
    path = write(tmp_path, "Q: How was it?\nA: Hard.\n")
    labels = SpeakerLabels(interviewer=("Q",), participant=("A",))

    parsed = read_transcript(path, speaker_labels=labels, participant_code="P4")

    assert speakers_and_texts(parsed) == [("I", "How was it?"), ("P4", "Hard.")]
    with pytest.raises(InvalidInput, match=r"^interview\.txt: no line starts with .*configure"):
        read_transcript(path)


def test_lines_before_the_first_speaker_are_skipped_with_a_warning(tmp_path):
    path = write(tmp_path, "Interview 3\nRecorded at the day centre\n\nI: Thanks.\nP1: OK.\n")

    parsed = read_transcript(path, participant_code="P1")

    assert speakers_and_texts(parsed) == [("I", "Thanks."), ("P1", "OK.")]
    assert parsed.warnings == [
        "interview.txt: skipped 2 line(s) before the first speaker label (line 1 to line 2)."
    ]


def test_a_different_participant_label_is_kept_with_a_warning(tmp_path):
    path = write(tmp_path, "I: Hello.\nP2: Hi.\nP2: Again.\n")

    parsed = read_transcript(path, participant_code="P1")

    assert [turn.speaker for turn in parsed.turns] == ["I", "P2", "P2"]
    assert parsed.warnings == [
        "interview.txt: the file labels a participant P2, but this interview's participant "
        "is P1; kept P2 as written."
    ]


def test_a_zero_padded_participant_code_is_the_same_participant(tmp_path):
    path = write(tmp_path, "I: Hello.\nP07: Hi.\np7: Yes.\n")

    parsed = read_transcript(path, participant_code="P7")

    assert [turn.speaker for turn in parsed.turns] == ["I", "P7", "P7"]
    assert parsed.warnings == []


def test_timestamps_at_the_start_of_a_turn_become_start_times(tmp_path):
    path = write(
        tmp_path,
        "[00:01:05] I: First.\n"
        "P1: [02:03] Second (0.5) and (.) more.\n"
        "I (01:00:00.5): Third.\n"
        "P1 [00:16:00]: Fourth [inaudible 00:16:05] here.\n"
        "I: No time.\n",
    )

    parsed = read_transcript(path, participant_code="P1")

    assert [(turn.speaker, turn.start, turn.text) for turn in parsed.turns] == [
        ("I", 65.0, "First."),
        ("P1", 123.0, "Second (0.5) and (.) more."),
        ("I", 3600.5, "Third."),
        ("P1", 960.0, "Fourth [inaudible 00:16:05] here."),
        ("I", None, "No time."),
    ]


def test_a_time_on_its_own_line_starts_the_next_turn(tmp_path):
    path = write(tmp_path, "[00:00:05]\nI: Hello.\n\n(00:00:09)\nP1: Hi.\nP1: Again.\n")

    parsed = read_transcript(path, participant_code="P1")

    assert [(turn.speaker, turn.start, turn.text) for turn in parsed.turns] == [
        ("I", 5.0, "Hello."),
        ("P1", 9.0, "Hi."),
        ("P1", None, "Again."),
    ]


def test_numbered_lines_keep_their_numbers_as_offsets_into_the_turn(tmp_path):
    path = write(
        tmp_path,
        "Transcript P1\n"
        "978  P1: I remember once a\u2026\n"
        "979\tlong time ago, the peer\n"
        "980      said \u201cno\u201d.\n"
        "981\n"
        "982  I: [00:20:01] Right.\n"
        "983  P1:\n"
        "984  Yes.\n",
    )

    parsed = read_transcript(path, participant_code="P1")

    first, second, third = parsed.turns
    assert first.text == "I remember once a\u2026 long time ago, the peer said \u201cno\u201d."
    assert first.source_lines == (
        SourceLine(978, 0, 18),
        SourceLine(979, 19, 42),
        SourceLine(980, 43, 53),
    )
    assert [first.text[line.start : line.end] for line in first.source_lines] == [
        "I remember once a\u2026",
        "long time ago, the peer",
        "said \u201cno\u201d.",
    ]
    assert (second.speaker, second.start, second.text) == ("I", 1201.0, "Right.")
    assert second.source_lines == (SourceLine(982, 0, 6),)
    assert third.source_lines == (SourceLine(983, 0, 0), SourceLine(984, 0, 4))
    assert parsed.has_line_numbers
    assert parsed.warnings == [
        "interview.txt: skipped 1 line(s) before the first speaker label (line 1)."
    ]


def test_offsets_are_counted_on_nfc_text(tmp_path):
    decomposed = "Rene\u0301e said cafe\u0301"
    path = write(tmp_path, f"1  I: {decomposed}\n2  P1: Oui.\n")

    turn = read_transcript(path, participant_code="P1").turns[0]

    assert turn.text == unicodedata.normalize("NFC", decomposed)
    assert turn.source_lines == (SourceLine(1, 0, len("Renée said café")),)


def test_an_unnumbered_line_in_a_numbered_file_stays_on_the_line_before(tmp_path):
    path = write(tmp_path, "10  I: One two\nthree\n11  P1: Four.\n12  five\n13  I: Six.\n")

    parsed = read_transcript(path, participant_code="P1")

    first = parsed.turns[0]
    assert first.text == "One two three"
    assert first.source_lines == (SourceLine(10, 0, 13),)
    assert parsed.warnings == [
        "interview.txt: 1 line(s) of this numbered transcript have no number (line 2); "
        "check that no page header was read as transcript text."
    ]


def test_numbers_that_go_backwards_are_refused_with_the_line(tmp_path):
    path = write(tmp_path, "1  I: One.\n2  P1: Two.\n3  I: Three.\n2  P1: Again.\n4  I: Four.\n")

    with pytest.raises(InvalidInput) as raised:
        read_transcript(path)

    assert str(raised.value) == (
        "interview.txt, line 4: line number 2 follows 3 (line 3); numbered lines must increase"
    )


def test_text_that_merely_starts_with_numbers_is_not_numbered(tmp_path):
    path = write(tmp_path, "I: How many?\nP1: 3 or 4 times.\n20 years ago, too.\n")

    parsed = read_transcript(path, participant_code="P1")

    assert speakers_and_texts(parsed) == [
        ("I", "How many?"),
        ("P1", "3 or 4 times. 20 years ago, too."),
    ]
    assert not parsed.has_line_numbers


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda text: text.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda text: text.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda text: text.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(lambda text: text.encode("cp1252"), id="windows-1252"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("cp1252"), id="crlf"),
        pytest.param(lambda text: text.replace("\n", "\r").encode("utf-8"), id="cr"),
    ],
)
def test_encodings_and_line_ends_are_detected(tmp_path, encoded):
    text = "I: It cost \u00a310 \u2013 \u201cfine\u201d, she said.\nP1: It\u2019s caf\u00e9 food.\n"
    path = tmp_path / "interview.txt"
    path.write_bytes(encoded(text))

    parsed = read_transcript(path, participant_code="P1")

    assert speakers_and_texts(parsed) == [
        ("I", "It cost \u00a310 \u2013 \u201cfine\u201d, she said."),
        ("P1", "It\u2019s caf\u00e9 food."),
    ]


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t"])
def test_an_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "blank.txt"
    path.write_bytes(content)

    with pytest.raises(InvalidInput, match=r"^blank\.txt is empty$"):
        read_transcript(path)


def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20)

    with pytest.raises(InvalidInput, match=r"^photo\.txt is a binary file"):
        read_transcript(path)
