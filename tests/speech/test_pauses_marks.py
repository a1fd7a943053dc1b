"""Pause marks: a silence split by a click is one mark; a soft first word the VAD missed keeps its time."""

from __future__ import annotations

import pytest

from reverie.core.transcript import ParsedTranscript, Turn, Word
from reverie.services.study.interviews import add_interview
from reverie.services.transcripts import versions as transcripts
from reverie.services.transcripts.annotations import shown_lines
from reverie.services.transcripts.prosody import store_pauses
from reverie.store.models import Annotation
from tests.conftest import require

np = require("numpy")

from reverie.speech.pauses import SpeechRegion, recover_soft_onsets  # noqa: E402

SR = 16000


@pytest.fixture
def timed(populated):
    """P1 round 2: "Well I see. Hello there." with a long silence before "Hello"."""
    add_interview(populated, "P1", 2)
    words = (Word("Well", 0.5, 0.8), Word("I", 0.9, 1.0), Word("see.", 1.1, 1.5),
             Word("Hello", 5.6, 6.0), Word("there.", 6.1, 6.5))
    turn = Turn("P1", "Well I see. Hello there.", 0.5, 6.5, words)
    transcripts.store_parsed(populated, "P1", 2, ParsedTranscript([turn], "p1.wav"), layout="per-turn", width=None,
                             notation="jefferson-lite", transcriber="whisper:tiny.en", origin="speech")
    return populated


def _pauses(study):
    info = transcripts.version_info(study, "P1", 2)
    with study.read() as s:
        rows = s.query(Annotation).filter(Annotation.version_id == info.id, Annotation.kind == "pause").all()
        return info, [(row.start_offset, row.data["seconds"]) for row in rows]


def test_a_click_inside_a_silence_gives_one_pause(timed):
    info, _ = _pauses(timed)
    with timed.write("transcript.pauses", target="interview:P1/2") as s:
        # The VAD heard a click at 2.0-2.1 s: the silence 1.5-5.6 s came back as two pauses.
        assert store_pauses(s, info.id, [(1.5, 2.0), (2.1, 5.6)], timed.actor) == 1
    _, stored = _pauses(timed)
    text = transcripts.version_text(timed, info.id)
    assert stored == [(text.index("Hello"), 4.1)]
    shown = transcripts.show_lines(timed, "P1", 2)
    assert "see. (4.1) Hello there." in shown[0].text and "(0.5)" not in shown[0].text


def test_pauses_stored_apart_at_one_place_show_as_one_mark(timed):
    info, _ = _pauses(timed)
    for part in [(1.5, 2.0)], [(2.1, 5.6)]:  # stored by two runs (as older transcripts were)
        with timed.write("transcript.pauses", target="interview:P1/2") as s:
            store_pauses(s, info.id, part, timed.actor)
    assert len(_pauses(timed)[1]) == 2
    assert "see. (4.1) Hello there." in transcripts.show_lines(timed, "P1", 2)[0].text
    reader = shown_lines(timed, info.id, "jefferson-lite", 1, 1)
    assert "see. (4.1) Hello there." in reader[0].text and "(0.5)" not in reader[0].text


def _signal(spans: list[tuple[float, float, float]], seconds: float = 8.0) -> np.ndarray:
    """Low noise with tones of the given (start, end, amplitude)."""
    rng = np.random.default_rng(1)
    samples = rng.normal(0, 3e-4, int(seconds * SR)).astype(np.float32)
    for start, end, amplitude in spans:
        t = np.arange(int((end - start) * SR)) / SR
        tone = amplitude * np.sin(2 * np.pi * 180 * t)
        samples[int(start * SR):int(start * SR) + len(t)] += tone.astype(np.float32)
    return samples


def test_a_soft_onset_the_vad_missed_moves_the_region_back_to_it():
    # Loud speech to 1.5 s, silence, a soft "hello" from 4.1 s, loud speech again from 5.2 s;
    # the VAD's second region starts at 5.2 s, Whisper's word at 4.15 s.
    audio = _signal([(0.3, 1.5, 0.3), (4.1, 5.2, 0.01), (5.2, 7.0, 0.3)])
    regions = [SpeechRegion(0.3, 1.5), SpeechRegion(5.2, 7.0)]
    recovered = recover_soft_onsets(audio, regions, [0.35, 4.15, 5.6], SR)
    assert recovered[0] == regions[0]
    assert recovered[1].start == pytest.approx(4.1, abs=0.05) and recovered[1].end == 7.0


def test_a_click_or_a_stretched_word_does_not_move_the_region():
    regions = [SpeechRegion(0.3, 1.5), SpeechRegion(5.2, 7.0)]
    click = _signal([(0.3, 1.5, 0.3), (3.0, 3.01, 0.5), (5.2, 7.0, 0.3)])
    assert recover_soft_onsets(click, regions, [0.35, 2.95, 5.6], SR) == regions
    silent = _signal([(0.3, 1.5, 0.3), (5.2, 7.0, 0.3)])  # Whisper stretched the word over silence
    assert recover_soft_onsets(silent, regions, [0.35, 1.6, 5.6], SR) == regions
    # A word that starts within 0.3 s of its region is left to the VAD.
    assert recover_soft_onsets(silent, regions, [0.35, 5.0], SR) == regions


def test_the_first_word_keeps_its_time_when_the_vad_missed_its_soft_onset():
    from reverie.speech.recognise import clip_to_regions

    audio = _signal([(0.3, 1.5, 0.3), (4.1, 5.2, 0.01), (5.2, 7.0, 0.3)])
    regions = [SpeechRegion(0.3, 1.5), SpeechRegion(5.2, 7.0)]
    words = [Word("Okay.", 0.3, 1.4), Word("Hello", 4.1, 5.4), Word("again.", 5.5, 6.9)]
    clipped = clip_to_regions(words, recover_soft_onsets(audio, regions, [w.start for w in words], SR))
    assert abs(clipped[1].start - 4.1) <= 0.3
    assert abs(clip_to_regions(words, regions)[1].start - 4.1) > 0.3  # what the VAD alone would do
