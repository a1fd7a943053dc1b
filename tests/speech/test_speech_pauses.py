"""Pauses come from the VAD and match the inserted silences."""

from __future__ import annotations

from tests.conftest import require

require("faster_whisper")
require("numpy")

from reverie.speech.pauses import detect_pauses  # noqa: E402


def assert_long_pauses_found(recording, found):
    for start, end in recording.pauses:
        if end - start < 1.0:
            continue
        match = [p for p in found if p.start < end and p.end > start]
        assert match, f"pause {start:.2f}-{end:.2f} not found"
        assert abs(match[0].duration - (end - start)) <= 0.15, (start, end, match[0])
        assert abs(match[0].start - start) <= 0.15


def test_every_long_pause_in_the_monologue(monologue):
    recording, _ = monologue
    assert_long_pauses_found(recording, detect_pauses(recording.samples))


def test_every_long_pause_in_the_interview(interview):
    recording, _ = interview
    found = detect_pauses(recording.samples)
    assert_long_pauses_found(recording, found)
    assert all(p.duration >= 0.2 for p in found)


def test_min_pause_filters_short_silences(interview):
    recording, _ = interview
    assert all(p.duration >= 1.0 for p in detect_pauses(recording.samples, min_pause=1.0))


def test_transcript_pauses_are_the_vad_pauses(interview, interview_result):
    recording, _ = interview
    assert_long_pauses_found(recording, interview_result.pauses)
