"""Pauses come from the VAD and match the inserted silences."""

from __future__ import annotations

from tests.conftest import require

require("faster_whisper")
np = require("numpy")

from reverie.speech.pauses import detect_pauses, speech_regions  # noqa: E402


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


def test_the_vad_runs_once_for_the_same_samples(interview):
    """Regions, Whisper's VAD filter and the search for skipped speech ask about the same samples:
    the network runs once and each gets the regions a fresh run gives."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from reverie.speech.pauses import shared_vad

    recording, _ = interview
    samples = recording.samples.copy()  # samples no earlier test asked about
    samples[0] += 1e-6
    vad = shared_vad()
    runs = vad.runs
    short = speech_regions(samples, min_silence_ms=200)
    default = speech_regions(samples)
    whisper = get_speech_timestamps(samples, VadOptions())
    assert vad.runs == runs + 1
    fresh = vad.model
    padded = np.pad(samples, (0, 512 - len(samples) % 512))
    assert np.array_equal(vad(padded), fresh(padded))
    assert short and default and whisper
    assert len(short) >= len(default)
    other = samples.copy()
    other[100] += 0.01
    speech_regions(other)
    assert vad.runs == runs + 2
