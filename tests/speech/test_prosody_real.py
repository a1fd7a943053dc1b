"""Prosody on real recorded speech: rates a phonetician would accept, pitch searched in each voice's range."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import need_speech_stack

from reverie.core.transcript import Word
from tests.conftest import require

np = require("numpy")
require("parselmouth")

import real_speech  # noqa: E402

from reverie.speech import prosody  # noqa: E402
from reverie.speech.syllables import count_syllables, spell_number  # noqa: E402

KEYS = {"line", "start", "end", "pause_before", "pause_after", "pause_within", "syllables", "speech_rate",
        "articulation_rate", "pitch_median_hz", "pitch_range_st", "intensity_mean_db"}


@pytest.mark.parametrize("written, said", [("1813", "eighteen thirteen"), ("1900", "nineteen hundred"),
                                           ("2,500", "two thousand five hundred"), ("3rd", "third"),
                                           ("21st", "twenty first"), ("4.5", "four point five"),
                                           ("1980s", "nineteen eighties"), ("2005", "two thousand five")])
def test_numbers_are_spelled_out_as_read(written, said):
    assert " ".join(spell_number(written)) == said


def test_syllables_come_from_the_dictionary_with_rules_for_the_rest():
    assert count_syllables("In") + count_syllables("1813") == 5  # was 1: digits counted nothing
    assert [count_syllables(w) for w in ("idea", "business", "every", "create", "hmm")] == [3, 2, 3, 2, 1]
    assert count_syllables("Zorblattish") == 3  # not in CMUdict: vowel groups
    assert count_syllables("10%") == 3 and count_syllables("[laughs]") == 0


def _steady_voice(f0: float, seconds: float = 3.0, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    wobble = f0 * (1 + 0.05 * np.sin(2 * np.pi * 0.5 * t))  # a gentle intonation, under 2 semitones
    phase = 2 * np.cumsum(np.pi * wobble / sr)
    return (sum(np.sin(k * phase) / k for k in range(1, 8)) * 0.2).astype(np.float32)


def test_a_line_too_short_to_measure_gets_no_rate():
    samples = _steady_voice(110.0)
    words = [Word("Hello.", 1.0, 1.02)]  # the word trimmed to 20 ms
    short, normal = prosody.measure_lines(samples, [(1.0, 1.02, words), (0.5, 2.5, [Word("Hello", 0.5, 2.5)])],
                                          pauses=[])
    assert short.speech_rate is None and short.articulation_rate is None and short.syllables == 2
    assert normal.speech_rate == 1.0


def test_each_speaker_is_searched_in_their_own_range():
    low, high = _steady_voice(85.0), _steady_voice(240.0)
    samples = np.concatenate([low, high])
    lines = [(0.2, 2.8, [Word("low", 0.2, 2.8)]), (3.2, 5.8, [Word("high", 3.2, 5.8)])]
    measured = prosody.measure_lines(samples, lines, pauses=[], speakers=["I", "P1"])
    assert measured[0].pitch_median_hz == pytest.approx(85, rel=0.06)
    assert measured[1].pitch_median_hz == pytest.approx(240, rel=0.06)
    assert all(m.pitch_range_st < 3 for m in measured)
    floor, ceiling = prosody.pitch_search_range(np.full(200, 100.0))
    assert (floor, ceiling) == (72.0, 192.0)


@pytest.fixture(scope="module")
def real_study(tmp_path_factory):
    need_speech_stack()
    if not real_speech.CALL.exists():
        pytest.skip("the real-speech set is not in tests/data/speech")
    from reverie.services.study import interviews, participants, studies
    from reverie.services.transcripts.transcription import transcribe_interview

    study = studies.init_study(tmp_path_factory.mktemp("real-prosody") / "study", title="real",
                               identity=studies.Identity("T", "TM"))
    for code, path in (("P1", real_speech.READING), ("P2", real_speech.CALL), ("P3", real_speech.SHORT_READING)):
        participants.add_participant(study, code)
        interviews.add_interview(study, code, 1, recording=path)
        status = transcribe_interview(study, code, 1)
        assert status.state == "done", status.error
    return study


def _prosody_json(study, code: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "reverie.cli", "prosody", str(study.root), code, "--format", "json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("code", ["P1", "P2", "P3"])
def test_real_speech_rates_lie_between_one_and_ten_syllables_a_second(real_study, code):
    rows = _prosody_json(real_study, code)
    assert isinstance(rows, list) and rows and all(KEYS <= set(row) for row in rows)
    rates = [row["speech_rate"] for row in rows if row["speech_rate"] is not None]
    assert rates and all(1.0 <= rate <= 10.0 for rate in rates), rates
    for row in rows:
        if row["speech_rate"] is None:  # only lines too short to measure go without
            assert row["end"] - row["start"] - row["pause_within"] < prosody.MIN_SPEECH_S


@pytest.mark.parametrize("code", ["P1", "P3"])
def test_a_steady_reading_has_a_plausible_pitch_range(real_study, code):
    rows = _prosody_json(real_study, code)
    ranges = [row["pitch_range_st"] for row in rows if row["pitch_range_st"] is not None]
    assert ranges and max(ranges) < 15, ranges
    medians = [row["pitch_median_hz"] for row in rows if row["pitch_median_hz"]]
    assert 70 <= float(np.median(medians)) <= 180  # the readers' voices are low
