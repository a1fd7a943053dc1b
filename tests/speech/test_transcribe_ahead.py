"""`reverie transcribe`'s head start: recognition begins from the recording's file before the
storage is imported, and the job takes its results instead of recognising the recording again."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import wait

from conftest import need_speech_stack

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts import versions as transcripts
from reverie.services.transcripts.warmup import _plain_recording, transcribe_ahead
from tests.fixtures.audio import pcm_wav


def _study(tmp_path, recording, codes=("P4",)):
    study = studies.init_study(tmp_path / "study", title="ahead", identity=studies.Identity("T", "TM"))
    for code in codes:
        participants.add_participant(study, code)
        interviews.add_interview(study, code, 1, recording=recording)
    return study


def test_the_recording_is_found_with_sqlite_alone_only_when_the_transcription_would_go_ahead(tmp_path):
    recording = pcm_wav(tmp_path / "p.wav")
    study = _study(tmp_path, recording, codes=("P1", "P2", "P3"))
    sha256, stored = _plain_recording(study.root, "P1", 1, replace=False)
    assert stored.read_bytes() == recording.read_bytes() and stored.name == sha256
    assert _plain_recording(study.root, "P1", 2, replace=False) is None  # no such interview
    assert _plain_recording(study.root, "P9", 1, replace=False) is None

    text = tmp_path / "t.txt"
    text.write_text("I: Tell me.\nP2: It was the milk.\n", encoding="utf-8")
    transcripts.import_transcript(study, "P2", 1, text)
    assert _plain_recording(study.root, "P2", 1, replace=False) is None  # refused without --replace
    assert _plain_recording(study.root, "P2", 1, replace=True) is not None
    transcripts.lock_transcript(study, "P2", 1)
    assert _plain_recording(study.root, "P2", 1, replace=True) is None  # locked: never transcribed over

    participants.withdraw(study, "P3", withdrawn_on="2026-12-01")
    assert _plain_recording(study.root, "P3", 1, replace=True) is None  # nothing is taken from them
    study.close()
    (study.root / "study.toml").write_text((study.root / "study.toml").read_text().replace(
        "encrypted = false", "encrypted = true"))
    assert _plain_recording(study.root, "P1", 1, replace=False) is None  # only the normal open decrypts


def test_a_head_start_gives_the_same_draft_and_recognises_each_chunk_once(interview, tmp_path, monkeypatch):
    need_speech_stack()
    from reverie.services.transcripts import transcription
    from reverie.services.transcripts.transcription import transcribe_interview
    from reverie.services.transcripts.versions import show_lines
    from reverie.speech import recognise

    study = _study(tmp_path, interview[1], codes=("P4", "P5"))
    real = recognise.recognise_chunk
    callers: list[str] = []

    def counted(*args, **kwargs):
        callers.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(recognise, "recognise_chunk", counted)
    ahead = transcribe_ahead(study.root, "P4", 1)
    assert ahead is not None
    wait([ahead])
    assert ahead.result().recognised  # its chunks were announced before the job could ask
    with_head_start = transcribe_interview(study, "P4", 1)
    assert with_head_start.state == "done"
    assert callers == ["reverie-transcribe-ahead"] * with_head_start.chunks  # the job recognised nothing again

    callers.clear()
    transcription._prepared.clear()  # as in a fresh process: P5 has the same recording, prepared above
    without = transcribe_interview(study, "P5", 1)
    assert without.state == "done" and callers and "reverie-transcribe-ahead" not in callers

    def reading(code):
        return [(line.speaker, line.text) for line in show_lines(study, code, 1, view="reading")]

    assert reading("P4") == [(speaker if speaker != "P5" else "P4", text) for speaker, text in reading("P5")]


def test_the_command_reports_what_the_head_start_could_not_do(tmp_path):
    """A recording the head start cannot decode leaves the transcription to say what is wrong, by name."""
    need_speech_stack()
    study = _study(tmp_path, pcm_wav(tmp_path / "silence.wav"), codes=("P1",))
    study.close()
    done = subprocess.run([sys.executable, "-m", "reverie.cli", "transcribe", str(study.root), "P1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "silence.wav (P1 round 1) cannot be transcribed" in done.stderr, done.stderr


def test_bad_options_are_refused_as_before(tmp_path):
    study = _study(tmp_path, pcm_wav(tmp_path / "p.wav"), codes=("P1",))
    study.close()
    done = subprocess.run([sys.executable, "-m", "reverie.cli", "transcribe", str(study.root), "P1",
                           "--speakers", "seven"], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "speakers" in done.stderr.lower(), done.stderr
