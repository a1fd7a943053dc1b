"""De-identification of a stored transcript: suggestions, pseudonyms across the study, codings kept."""

from __future__ import annotations

import pytest

from tests.conftest import require

require("presidio_analyzer")

from reverie.core.errors import InvalidInput  # noqa: E402
from reverie.services.study import interviews, participants  # noqa: E402
from reverie.services.transcripts import deidentify  # noqa: E402
from reverie.services.transcripts import versions as transcripts  # noqa: E402

TEXT = ("I: Can you tell me about the ward?\n"
        "P1: I was on Ward 42 at St Mary's Hospital in Leeds, and Dr McAllister was lovely.\n"
        "I: Mm.\n"
        "P1: Later Dr McAllister moved to the Acorn ward. My sister Fiona rang on 0113 496 0000.\n")


@pytest.fixture
def with_names(sqlite_study, tmp_path, monkeypatch):
    monkeypatch.setenv("REVERIE_KEYS_DIR", str(tmp_path / "keys"))
    for code in ("P1", "P2"):
        participants.add_participant(sqlite_study, code)
        interviews.add_interview(sqlite_study, code, 1)
        path = tmp_path / f"{code}.txt"
        path.write_text(TEXT.replace("P1:", f"{code}:"), encoding="utf-8")
        transcripts.import_transcript(sqlite_study, code, 1, path)
    return sqlite_study


def test_suggestions_point_at_the_text(with_names):
    found = deidentify.suggest_for(with_names, "P1", 1)
    text = transcripts.version_text(with_names, transcripts.version_info(with_names, "P1", 1).id)
    assert all(text[s.start:s.end] == s.text for s in found)
    labels = {s.text: s.label for s in found}
    assert "McAllister" in " ".join(labels) and any("Leeds" in t for t in labels)
    assert "P1" not in labels and "I" not in labels


def test_pseudonyms_are_consistent_across_the_study(with_names, tmp_path):
    result = deidentify.apply_suggestions(with_names, "P1", 1, accept_all=True)
    assert result.version_number == 2
    deidentify.apply_suggestions(with_names, "P2", 1, accept_all=True)
    first = transcripts.version_text(with_names, transcripts.version_info(with_names, "P1", 1).id)
    second = transcripts.version_text(with_names, transcripts.version_info(with_names, "P2", 1).id)
    assert "McAllister" not in first and "Leeds" not in first and "Fiona" not in first
    assert first.replace("P1", "P2") == second.replace("P1", "P2")
    key = deidentify.key_path(with_names)
    assert with_names.root.resolve() not in key.parents and key.exists()
    assert "McAllister" in " ".join(deidentify.forbidden_terms(with_names))
    deidentify.destroy_key(with_names)
    assert not key.exists()


def test_bad_choices_change_nothing(with_names):
    with pytest.raises(InvalidInput, match="no suggestion 999"):
        deidentify.apply_suggestions(with_names, "P1", 1, accept=[999])
    with pytest.raises(InvalidInput, match="outside the study folder"):
        deidentify.key_path(with_names, with_names.root / "key.json")
    assert transcripts.version_info(with_names, "P1", 1).number == 1
