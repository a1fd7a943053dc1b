"""Speech benchmark: what ``reverie transcribe`` costs against bare faster-whisper, measured in one run.

Rows (see :func:`run`):
- the whole ``reverie transcribe`` process (start-up, job system and chunks, VAD, recognition,
  two-speaker diarisation, storing, prosody) against a bare faster-whisper process on the same
  recording and model (``WhisperModel(dir, device="cpu", compute_type="int8", cpu_threads=2)
  .transcribe(audio, language="en", word_timestamps=True, vad_filter=True)``, model load
  included on both sides): medians of 5 alternating runs (7 in the full bench); goal <= 1.25x,
  and the words of the two within 1 % WER;
- recognition alone (``reverie.speech.recognise.transcribe``, one speaker, model loaded) against
  the bare call: reported, not a goal, since it is not what a user runs;
- peak memory (ru_maxrss) of each path in a fresh subprocess, model load included; goal <= 1.15x;
- prosody on the real lines of the transcript just made (with their pauses), through the
  service a transcription runs, against Praat pitch + intensity alone: reported;
- diarisation speed in x real time; goal >= 60x;
- full bench only: three transcriptions one after another in one worker process; goal: the
  last <= 1.1x the first;
- real speech (tests/data/speech, see SOURCES.md there): word error against the reference text,
  ours (``--speakers auto``) and bare faster-whisper, on the two-person call and the 44 s reading
  (reported); on the call, words on the right speaker (goal >= 90 %) and DER (goal <= 15 %), both
  with a 0.25 s collar; the reading kept as one speaker (goal); and pauses of known length
  inserted into the reading at its own silences: how many are found and the median error (reported).

The audio is synthesised (tests/speech/speech_synth.py): the ~45 s interview in quick mode,
that interview repeated 8 times (~6 min, so recognition runs in two chunks) otherwise.

Run: ``python bench/speech_bench.py [--quick]``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "speech"))

from bench.timing import paired_ratio  # noqa: E402 - needs the path above
from reverie.speech.offline import keep_offline  # noqa: E402 - needs the path above

keep_offline()  # before anything here imports faster_whisper or onnxruntime

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from reverie.speech.offline import keep_offline
keep_offline()  # the bare baseline must not phone home either
mode, audio, model_dir = sys.argv[1:4]
began = time.perf_counter()
if mode == "bare":
    from faster_whisper import WhisperModel
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(audio, language="en", word_timestamps=True, vad_filter=True)
    words = [w.word.strip() for s in segments for w in s.words]
elif mode == "three":  # three transcriptions in one process, as a worker runs them
    from reverie.services.study.studies import open_study
    from reverie.services.transcripts.transcription import transcribe_interview
    study = open_study(audio)
    times, cpu = [], []
    for code in ("P1", "P2", "P3"):
        start, used = time.perf_counter(), time.process_time()
        transcribe_interview(study, code, 1, model=model_dir, replace=True)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    print(json.dumps({{"times": times, "cpu": cpu}}))
    raise SystemExit
else:
    from reverie.speech.recognise import transcribe
    words = [w.text for w in transcribe(audio, model=model_dir, speakers=1).words]
seconds = time.perf_counter() - began
maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "maxrss_kb": maxrss_kb, "words": len(words), "text": " ".join(words)}}))
"""


def _row(name, value, baseline, goal, met, note, ratio=None):
    if ratio is None and baseline:
        ratio = value / baseline
    return {"name": name, "value": round(value, 4), "baseline": None if baseline is None else round(baseline, 4),
            "ratio": None if ratio is None else round(ratio, 4), "goal": goal, "met": bool(met), "note": note}


def _make_audio(folder: Path, quick: bool):
    import numpy as np
    import speech_synth

    recording = speech_synth.interview(speech_synth.HibariVoice())
    samples = recording.samples if quick else np.tile(recording.samples, 8)
    path = speech_synth.write_wav(folder / ("interview.wav" if quick else "interview_x8.wav"), samples)
    return recording, samples, path


def _recognition_rows(path: Path, model_dir: Path, runs: int) -> list[dict]:
    import speech_synth
    from faster_whisper import WhisperModel

    from reverie.speech.recognise import transcribe

    bare_model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)

    def bare():
        segments, _ = bare_model.transcribe(str(path), language="en", word_timestamps=True, vad_filter=True)
        return " ".join(w.word.strip() for s in segments for w in s.words)

    def ours():
        return " ".join(w.text for w in transcribe(path, model=model_dir, speakers=1).words)

    ours()  # load our instance of the model, and warm both paths up
    bare()
    times: dict[str, list[float]] = {"bare": [], "ours": []}
    texts = {}
    for _ in range(runs):
        for name, call in (("bare", bare), ("ours", ours)):
            began = time.perf_counter()
            texts[name] = call()
            times[name].append(time.perf_counter() - began)
    ours_s, bare_s = statistics.median(times["ours"]), statistics.median(times["bare"])
    wer = speech_synth.word_error_rate(texts["bare"], texts["ours"])
    return [
        _row("speech.recognition_only_wall_s", ours_s, bare_s, "report", True,
             f"recognition alone, one speaker, model loaded; median of {runs} alternating runs; "
             f"WER between the two {wer:.1%}"),
    ]


def _study_with(folder: Path, path: Path, interviews: int = 1) -> Path:
    """A study whose first ``interviews`` participants each have ``path`` as their round-1 recording."""
    from reverie.services.study import interviews as iv
    from reverie.services.study import participants, studies

    study = studies.init_study(folder, title="Speech bench", identity=studies.Identity("Bench", "BB"))
    for n in range(1, interviews + 1):
        participants.add_participant(study, f"P{n}")
        iv.add_interview(study, f"P{n}", 1, recording=path)
    study.close()
    return folder


def _transcript_words(folder: Path) -> str:
    from reverie.services.study.studies import open_study
    from reverie.services.transcripts.versions import show_lines

    study = open_study(folder)
    try:
        return " ".join(line.text for line in show_lines(study, "P1", 1, view="reading"))
    finally:
        study.close()


def _process_rows(folder: Path, path: Path, model_dir: Path, runs: int) -> list[dict]:
    """The whole ``reverie transcribe`` process against a bare faster-whisper process, alternately."""
    import speech_synth

    study = _study_with(folder / "process-study", path)
    reverie = Path(sys.executable).parent / "reverie"
    ours_cmd = [str(reverie), "transcribe", str(study), "P1", "--model", str(model_dir), "--replace"]
    bare_cmd = [sys.executable, "-c", CHILD.format(root=str(ROOT)), "bare", str(path), str(model_dir)]
    times: dict[str, list[float]] = {"bare": [], "ours": []}
    bare_text = ""
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(bare_cmd, capture_output=True, text=True, check=True)
        times["bare"].append(time.perf_counter() - began)
        bare_text = json.loads(done.stdout.strip().splitlines()[-1])["text"]
        began = time.perf_counter()
        subprocess.run(ours_cmd, capture_output=True, text=True, check=True)
        times["ours"].append(time.perf_counter() - began)
    ours_s, bare_s = statistics.median(times["ours"]), statistics.median(times["bare"])
    ratio = paired_ratio(times["ours"], times["bare"])
    wer = speech_synth.word_error_rate(bare_text.lower(), _transcript_words(study).lower())
    return [
        _row("speech.transcribe_process_wall_s", ours_s, bare_s, "<= 1.25x bare", ratio <= 1.25,
             f"`reverie transcribe` (2 speakers, prosody) vs a bare faster-whisper process, model load in both; "
             f"medians of {runs} alternating runs; ratio: median of the pairs' ratios ({ours_s / bare_s:.2f}x of "
             f"the medians); ours {[round(t, 1) for t in times['ours']]}, bare {[round(t, 1) for t in times['bare']]}",
             ratio=ratio),
        _row("speech.transcribe_wer_vs_bare", wer, 0.0, "<= 1 %", wer <= 0.01,
             f"{len(_transcript_words(study).split())} words ours, {len(bare_text.split())} bare", ratio=None),
    ]


def _three_in_a_row_row(folder: Path, path: Path, model_dir: Path) -> dict:
    study = _study_with(folder / "three-study", path, interviews=3)
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), "three", str(study), str(model_dir)],
                          capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    times = measured["times"]
    ratio = times[-1] / times[0]
    return _row("speech.third_transcription_in_one_process", times[-1], times[0], "<= 1.1x the first", ratio <= 1.1,
                f"three transcriptions of the same recording in one worker process: "
                f"{', '.join(f'{t:.1f} s' for t in times)} wall; "
                f"{', '.join(f'{t:.1f} s' for t in measured['cpu'])} CPU (all threads)")


def _memory_row(path: Path, model_dir: Path) -> dict:
    peaks = {}
    for mode in ("bare", "ours"):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(path), str(model_dir)],
                             capture_output=True, text=True, check=True)
        peaks[mode] = json.loads(out.stdout.strip().splitlines()[-1])["maxrss_kb"] / 1024
    ratio = peaks["ours"] / peaks["bare"]
    return _row("speech.recognition_peak_rss_mb", peaks["ours"], peaks["bare"], "<= 1.15x bare", ratio <= 1.15,
                "ru_maxrss of a fresh process that loads the model and transcribes once")


def _prosody_row(folder: Path, samples, runs: int) -> dict:
    """Prosody through the service a transcription runs, on the real lines (and pauses) it made."""
    import numpy as np
    import parselmouth

    from reverie.services.study.studies import open_study
    from reverie.services.transcripts.prosody import measure_prosody

    study = open_study(folder / "process-study")  # transcribed by the process rows

    def praat_alone():
        sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=16000)
        sound.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
        sound.to_intensity(minimum_pitch=100.0, time_step=0.01)

    measured = []

    def ours():
        measured[:] = measure_prosody(study, "P1", 1)

    times = {"praat": [], "ours": []}
    for _ in range(runs):
        for name, call in (("praat", praat_alone), ("ours", ours)):
            began = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - began)
    study.close()
    ours_s, praat_s = statistics.median(times["ours"]), statistics.median(times["praat"])
    duration = len(samples) / 16000
    paused = sum(1 for m in measured if m.pause_before or m.pause_after)
    return _row("speech.prosody_wall_s", ours_s, praat_s, "report", True,
                f"{duration / ours_s:.0f}x real time for {len(measured)} transcript lines ({paused} next to a "
                f"pause), decoding, reading and storing included (Praat alone {duration / praat_s:.0f}x)")


def _diarisation_row(samples, runs: int) -> dict:
    from reverie.speech.diarise import Ge2eDiariser
    from reverie.speech.pauses import speech_regions

    regions = speech_regions(samples, min_silence_ms=200)
    diariser = Ge2eDiariser()
    diariser.diarise(samples, regions, 2)
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        diariser.diarise(samples, regions, 2)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    duration = len(samples) / 16000
    speed = duration / statistics.median(times)
    return _row("speech.diarisation_x_realtime", speed, None, ">= 60x", speed >= 60,
                f"GE2E numpy + spectral clustering, median of {runs}; VAD regions given; "
                f"{duration / statistics.median(cpu):.0f}x audio per CPU-second (wall time suffers when other "
                f"processes share the 2 cores)", ratio=None)


def run(quick: bool) -> list[dict]:
    """Measure every row on the same synthetic audio and model; see the module docstring."""
    from reverie.speech.models import resolve_model

    runs = 5 if quick else 7
    model_dir = resolve_model(None)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _, samples, path = _make_audio(folder, quick)
        rows = _process_rows(folder, path, model_dir, runs)
        rows.extend(_recognition_rows(path, model_dir, runs))
        rows.append(_memory_row(path, model_dir))
        rows.append(_prosody_row(folder, samples, runs))
        rows.append(_diarisation_row(samples, runs))
        rows.extend(_real_speech_rows(folder, model_dir))
        if not quick:
            rows.append(_three_in_a_row_row(folder, path, model_dir))
    return rows


INSERTED_PAUSES = (0.6, 1.0, 1.5, 2.0, 2.5, 3.0)


def _real_speech_rows(folder: Path, model_dir: Path) -> list[dict]:
    """Rows on real recordings: recognition, speaker turns and pauses (see the module docstring)."""
    import real_speech as rs
    from faster_whisper import WhisperModel

    from reverie.speech.diarise import Ge2eDiariser
    from reverie.speech.recognise import prepare, transcribe

    bare_model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)

    def bare(path: Path) -> str:
        segments, _ = bare_model.transcribe(str(path), language="en", word_timestamps=True, vad_filter=True)
        return " ".join(w.word.strip() for s in segments for w in s.words)

    rows = []
    results = {}
    for name, path, reference in (("call", rs.CALL, rs.reference_text()), ("reading", rs.READING, rs.READING_TEXT)):
        results[name] = transcribe(path, model=model_dir, participant="P1")
        ours = rs.word_error_rate(reference, " ".join(w.text for w in results[name].words))
        baseline = rs.word_error_rate(reference, bare(path))
        rows.append(_row(f"speech.real.{name}_wer", ours, baseline, "report", True,
                         f"{path.name}: word error against the reference text, ours {ours:.1%} "
                         f"vs bare faster-whisper {baseline:.1%} (same model)", ratio=None))
    turns = rs.reference_turns()
    accuracy, scored = rs.speaker_accuracy(turns, rs.word_spans(results["call"]))
    rows.append(_row("speech.real.call_speaker_accuracy", accuracy, None, ">= 90%", accuracy >= 0.90,
                     f"{rs.CALL.name}: share of {scored} scored words on the right speaker (midpoint, one voice "
                     f"in the reference, {rs.COLLAR} s collar, best label mapping)"))
    prepared = prepare(rs.CALL)
    segments = Ge2eDiariser().diarise(prepared.audio.samples, prepared.regions, None)
    der = rs.diarisation_error(turns, rs.segment_spans(segments))
    rows.append(_row("speech.real.call_der", der, None, "<= 15%", der <= 0.15,
                     f"{rs.CALL.name}: diarisation error rate, {rs.COLLAR} s collar, overlap scored, "
                     f"speakers auto ({len({s.speaker for s in segments})} found)"))
    voices = {turn.speaker for turn in results["reading"].turns}
    rows.append(_row("speech.real.reading_one_speaker", len(voices), None, "1 label", voices == {"P1"},
                     f"{rs.READING.name}: speaker labels given to a single reader: {sorted(voices)}"))
    rows.append(_real_pause_row(folder, model_dir))
    return rows


def _real_pause_row(folder: Path, model_dir: Path) -> dict:
    """Silences of known length inserted into the real reading, each in the middle of one of its
    own pauses; a pause's true length is the original gap (as the VAD saw it) plus the insert."""
    import numpy as np
    import real_speech as rs
    import speech_synth

    from reverie.speech import audio as audio_io
    from reverie.speech.pauses import speech_regions
    from reverie.speech.recognise import transcribe

    samples = audio_io.load_audio(rs.READING).samples
    regions = speech_regions(samples, min_silence_ms=300)
    gaps = [(a.end, b.start) for a, b in zip(regions, regions[1:], strict=False)][:len(INSERTED_PAUSES)]
    pieces, expected, cursor, shift = [], [], 0, 0.0
    for (start, end), insert in zip(gaps, INSERTED_PAUSES, strict=False):
        middle = int((start + end) / 2 * 16000)
        pieces += [samples[cursor:middle], np.zeros(int(insert * 16000), np.float32)]
        expected.append((start + shift, end - start + insert))
        shift += insert
        cursor = middle
    pieces.append(samples[cursor:])
    path = speech_synth.write_wav(folder / "reading_with_pauses.wav", np.concatenate(pieces))
    found = transcribe(path, model=model_dir, participant="P1").pauses
    errors = []
    for start, length in expected:
        near = [p for p in found if abs(p.start - start) < 0.5]
        if near:
            errors.append(near[0].duration - length)
    median = statistics.median(errors) if errors else float("nan")
    return _row("speech.real.pause_error_s", median, None, "report", True,
                f"{rs.READING.name} with {len(expected)} inserted silences: {len(errors)} found; median error "
                f"{median:+.2f} s, largest {max(map(abs, errors), default=float('nan')):.2f} s", ratio=None)


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
