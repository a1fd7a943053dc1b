"""Long recordings: chunks overlap and are merged on word times, so no word is lost at a cut."""

from __future__ import annotations

import time

import pytest

from reverie.core.transcript import Word
from reverie.speech.chunks import OVERLAP_S, Chunk, ChunkResult, merge_words
from tests.conftest import require


def words(*items: tuple[str, float]) -> list[Word]:
    return [Word(text, start, start + 0.3) for text, start in items]


def test_a_chunk_window_reaches_into_its_neighbours():
    assert Chunk(1, 100.0, 200.0).window(500.0) == (100.0 - OVERLAP_S, 200.0 + OVERLAP_S)
    assert Chunk(0, 0.0, 100.0).window(105.0) == (0.0, 105.0)


def test_a_phrase_dropped_at_a_chunk_start_is_taken_from_the_chunk_before():
    # Chunk 1 (from 60 s) missed "right at the edge" at its start; chunk 0 heard it in its overlap.
    first = ChunkResult(0, 0.0, 60.0, words(("before", 58.0), ("the", 59.2), ("cut", 59.6), ("right", 60.2),
                                            ("at", 60.6), ("the", 60.9), ("edge", 61.3), ("later", 64.0)))
    second = ChunkResult(1, 60.0, 120.0, words(("before", 58.05), ("later", 64.02), ("on", 65.0)))
    merged = [w.text for w in merge_words([first, second])]
    assert merged == ["before", "the", "cut", "right", "at", "the", "edge", "later", "on"]


def test_a_word_the_chunks_time_on_either_side_of_the_cut_is_kept_once():
    first = ChunkResult(0, 0.0, 60.0, words(("one", 59.0), ("two", 59.75), ("three", 61.0)))
    second = ChunkResult(1, 60.0, 120.0, words(("one", 59.05), ("two", 59.6), ("three", 61.02), ("four", 62.0)))
    assert [w.text for w in merge_words([first, second])] == ["one", "two", "three", "four"]
    # With no shared word near the cut, the cut divides them.
    first = ChunkResult(0, 0.0, 60.0, words(("alpha", 50.0)))
    second = ChunkResult(1, 60.0, 120.0, words(("beta", 70.0)))
    assert [w.text for w in merge_words([first, second])] == ["alpha", "beta"]


def test_results_stored_without_overlap_still_merge():
    chunks = [ChunkResult(i, i * 60.0, (i + 1) * 60.0, words((f"w{i}", i * 60.0 + 10))) for i in range(3)]
    assert [w.text for w in merge_words(chunks)] == ["w0", "w1", "w2"]


@pytest.fixture(scope="module")
def long_recording(monologue, interview, speech_dir):
    """Over five minutes of varied speech with its true text: the real readings and call, and the
    synthetic monologue and interview, one second apart, twice over."""
    np = require("numpy")
    import real_speech
    import speech_synth

    from reverie.speech.audio import load_audio

    if not real_speech.CALL.exists():
        pytest.skip("the real-speech set is not in tests/data/speech")
    gap = np.zeros(16000, np.float32)
    pieces = [(load_audio(real_speech.READING).samples, real_speech.READING_TEXT),
              (monologue[0].samples, monologue[0].text()),
              (load_audio(real_speech.CALL).samples, real_speech.reference_text()),
              (interview[0].samples, interview[0].text()),
              (load_audio(real_speech.SHORT_READING).samples, real_speech.SHORT_READING_TEXT)]
    once = np.concatenate([part for samples, _ in pieces for part in (samples, gap)])
    text = " ".join(text for _, text in pieces)
    return speech_synth.write_wav(speech_dir / "long.wav", np.concatenate([once, once])), f"{text} {text}"


def test_over_five_minutes_chunked_recognition_matches_bare_faster_whisper(long_recording):
    require("faster_whisper")
    import speech_synth

    from reverie.speech.recognise import Recogniser, transcribe

    path, reference = long_recording
    began = time.perf_counter()
    ours = transcribe(path, speakers=1)  # the default chunks of four minutes: one cut or more
    assert ours.duration > 300 and len(ours.chunks) >= 2
    whisper = Recogniser().whisper  # the same model instance, on the whole file, no chunks
    segments, _ = whisper.transcribe(str(path), language="en", word_timestamps=True, vad_filter=True)
    bare = [w for s in segments for w in s.words or ()]
    ours_wer = speech_synth.word_error_rate(reference, " ".join(w.text for w in ours.words))
    bare_wer = speech_synth.word_error_rate(reference, " ".join(w.word for w in bare))
    assert ours_wer <= bare_wer + 0.01, (ours_wer, bare_wer)
    for chunk in ours.chunks[1:]:  # around each cut, the words bare Whisper heard are all there
        near_bare = " ".join(w.word for w in bare if abs(w.start - chunk.start) <= 10)
        near_ours = " ".join(w.text for w in ours.words if abs(w.start - chunk.start) <= 10)
        assert near_bare and speech_synth.word_error_rate(near_bare, near_ours) <= 0.05, (near_bare, near_ours)
    times = [w.start for w in ours.words]
    assert times == sorted(times)
    assert time.perf_counter() - began < 300
