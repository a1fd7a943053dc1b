"""Diarisation: the right speaker on almost every word, labels, the plug-in point, and speed."""

from __future__ import annotations

from tests.conftest import require

require("faster_whisper")
np = require("numpy")
require("scipy")

from reverie.core.transcript import Word  # noqa: E402
from reverie.speech import ge2e  # noqa: E402
from reverie.speech.diarise import (  # noqa: E402
    Ge2eDiariser,
    SpeakerSegment,
    build_turns,
    share_warnings,
    speaker_of,
)
from reverie.speech.pauses import speech_regions  # noqa: E402
from reverie.speech.recognise import build_result, prepare  # noqa: E402


def word_accuracy(recording, result) -> float:
    truth = {"I": "I", "P": "P4"}
    words = [(turn.speaker, word) for turn in result.turns for word in turn.words]
    right = sum(truth[recording.speaker_at((w.start + w.end) / 2)] == speaker for speaker, w in words)
    return right / len(words)


def test_words_on_the_right_speaker(interview, interview_result):
    recording, _ = interview
    assert {turn.speaker for turn in interview_result.turns} == {"I", "P4"}
    assert interview_result.turns[0].speaker == "I"
    assert word_accuracy(recording, interview_result) >= 0.95
    assert not interview_result.warnings


def test_enrolment_picks_the_interviewer(interview):
    recording, _ = interview
    participant = next(p for p in recording.pieces if p.speaker == "P")
    clip = recording.samples[int(participant.start * 16000):int(participant.end * 16000)]
    regions = speech_regions(recording.samples)
    segments = Ge2eDiariser(enrolment=clip).diarise(recording.samples, regions, 2)
    # Enrolled with the participant's voice, so the participant becomes speaker 0.
    first_piece = recording.pieces[0]
    assert speaker_of(Word("x", first_piece.start + 0.5, first_piece.start + 1.0), segments) == 1


def test_a_plugged_in_diariser_is_used(interview, interview_result):
    _, path = interview

    class EveryoneIsTheInterviewer:
        def diarise(self, samples, regions, speakers):
            return [SpeakerSegment(r.start, r.end, 0) for r in regions]

    prepared = prepare(path)
    result = build_result(prepared, interview_result.chunks, "tiny.en", speakers=2,
                          diariser=EveryoneIsTheInterviewer())
    assert {turn.speaker for turn in result.turns} == {"I"}
    assert any("P has only 0%" in warning for warning in result.warnings)
    # Left to decide, one voice heard is the participant, and nothing is wrong with that.
    alone = build_result(prepared, interview_result.chunks, "tiny.en", participant="P4",
                         diariser=EveryoneIsTheInterviewer())
    assert {turn.speaker for turn in alone.turns} == {"P4"} and not alone.warnings


def test_lopsided_split_is_flagged():
    segments = [SpeakerSegment(0, 95, 0), SpeakerSegment(95, 100, 1)]
    warnings = share_warnings(segments, ["I", "P2"])
    assert len(warnings) == 1 and "P2 has only 5%" in warnings[0]


def test_build_turns_groups_runs():
    words = [Word("a", 0, 1), Word("b", 1, 2), Word("c", 2, 3)]
    turns = build_turns(words, ["I", "I", "P"])
    assert [(t.speaker, t.text, t.start, t.end) for t in turns] == [("I", "a b", 0, 2), ("P", "c", 2, 3)]


def test_embeddings_separate_the_voices(interview):
    recording, _ = interview
    mel = ge2e.mel_frames(recording.samples)
    centres = {s: [(p.start + p.end) / 2 for p in recording.pieces if p.speaker == s] for s in "IP"}
    emb = {s: ge2e.embed_windows(mel, np.array(c)) for s, c in centres.items()}
    assert np.allclose(np.linalg.norm(emb["I"], axis=1), 1, atol=1e-5)
    within = float(np.mean(emb["P"] @ emb["P"].T))
    between = float(np.mean(emb["P"] @ emb["I"].T))
    assert within > between + 0.1


def test_mel_filterbank_matches_librosa_shape():
    bank = ge2e.mel_filterbank()
    assert bank.shape == (40, 201) and (bank >= 0).all()
    assert (bank.sum(axis=1) > 0).all()


def test_one_speaker_per_channel_skips_diarisation(interview, tmp_path, monkeypatch):
    import speech_synth

    from reverie.speech import diarise
    from reverie.speech.recognise import transcribe

    recording, _ = interview
    mask = np.zeros(len(recording.samples), bool)
    for piece in recording.pieces:
        if piece.speaker == "I":
            mask[int(piece.start * 16000):int(piece.end * 16000)] = True
    left = np.where(mask, recording.samples, recording.samples * 0.05)
    right = np.where(mask, recording.samples * 0.05, recording.samples)
    stereo = speech_synth.write_wav(tmp_path / "two_mics.wav", np.stack([left, right], axis=1).ravel(), channels=2)

    def no_diarisation(*args, **kwargs):
        raise AssertionError("diarisation should be skipped for separated channels")

    monkeypatch.setattr(diarise.Ge2eDiariser, "diarise", no_diarisation)
    result = transcribe(stereo, participant="P4")
    assert word_accuracy(recording, result) >= 0.95


def test_three_voices_are_told_apart_when_left_to_decide(hibari_voice):
    import speech_synth
    from scipy.signal import resample_poly

    from tests.conftest import require_tool

    require_tool("espeak-ng", "apt-get install espeak-ng")

    def deeper(text):  # the same voice slower and four semitones lower: a third speaker
        return resample_poly(hibari_voice(text), 5, 4).astype(np.float32)

    script = list(speech_synth.INTERVIEW) + [
        ("S", "I was there too, and I remember the Friday meetings very well.", 1.0),
        ("S", "They were long, but nobody wanted to miss them.", 0.8),
        ("I", "Thank you both. Is there anything else you would like to add?", 1.0),
        ("S", "Only that the staff deserved more support than they got.", 1.0),
        ("P", "Yes, I agree with that completely.", 0.5),
    ]
    recording = speech_synth.build(script, {"I": speech_synth.espeak, "P": hibari_voice, "S": deeper})
    segments = Ge2eDiariser().diarise(recording.samples, speech_regions(recording.samples), None)
    heard = {}
    for piece in recording.pieces:
        middle = (piece.start + piece.end) / 2
        heard.setdefault(piece.speaker, set()).add(speaker_of(Word("x", middle - 0.1, middle + 0.1), segments))
    assert heard == {"I": {0}, "P": {1}, "S": {2}}


def test_labels_for_one_two_and_more_voices(interview, interview_result):
    _, path = interview

    class ThreeVoices:
        def diarise(self, samples, regions, speakers):
            return [SpeakerSegment(r.start, r.end, index % 3) for index, r in enumerate(regions)]

    result = build_result(prepare(path), interview_result.chunks, "tiny.en", participant="P4", diariser=ThreeVoices())
    assert {turn.speaker for turn in result.turns} == {"I", "P4", "S3"}
    assert result.turns[0].speaker == "I"
    mono = build_result(prepare(path), interview_result.chunks, "tiny.en", participant="P4", speakers=1)
    assert {turn.speaker for turn in mono.turns} == {"P4"}


def test_speakers_is_a_count_or_auto():
    import pytest

    from reverie.core.errors import InvalidInput
    from reverie.speech.diarise import parse_speakers, speaker_labels

    assert parse_speakers("auto") is None and parse_speakers(None) is None and parse_speakers("AUTO") is None
    assert parse_speakers(3) == 3 and parse_speakers("2") == 2
    for bad in ("two", "0", "-1", "1.5", 0):
        with pytest.raises(InvalidInput, match="speakers must be a whole number of 1 or more, or 'auto'"):
            parse_speakers(bad)
    assert speaker_labels(1, "P4") == ["P4"]
    assert speaker_labels(4, "P4") == ["I", "P4", "S3", "S4"]


def test_voices_embedded_ahead_give_the_same_speakers(interview):
    """A transcription embeds voices beside recognition; the answer is the one diarise gives alone,
    also when some regions moved meanwhile (a soft onset found by recognition)."""
    recording, _ = interview
    regions = speech_regions(recording.samples, min_silence_ms=200)
    alone = Ge2eDiariser().diarise(recording.samples, regions, 2)
    moved = list(regions)
    moved[3] = type(regions[3])(round(regions[3].start - 0.4, 3), regions[3].end)
    for given in (regions, moved):
        ahead = Ge2eDiariser()
        ahead.embed_ahead(recording.samples, regions)
        expected = alone if given is regions else Ge2eDiariser().diarise(recording.samples, given, 2)
        assert [(s.speaker, round(s.start, 3), round(s.end, 3)) for s in ahead.diarise(recording.samples, given, 2)] \
            == [(s.speaker, round(s.start, 3), round(s.end, 3)) for s in expected]
        assert ahead._ahead is None  # used once: the mel frames of a long recording are not kept
