"""Speech benchmark: Reverie's recognition path against bare faster-whisper, measured in one run.

Rows (see :func:`run`):
- recognition wall time: median of alternating runs of ``reverie.speech.recognise.transcribe``
  (decode, VAD, chunk plan, recognition, pauses, turns; diarisation off, as it is timed on its
  own) against the bare call ``WhisperModel(dir, device="cpu", compute_type="int8",
  cpu_threads=2).transcribe(audio, language="en", word_timestamps=True, vad_filter=True)``,
  both with the model already loaded; goal <= 1.10x;
- WER between the two outputs (same words expected); goal <= 1 %;
- peak memory (ru_maxrss) of each path in a fresh subprocess, model load included; goal <= 1.15x;
- prosody (Praat pitch + intensity + per-line features + emphasis) against Praat pitch +
  intensity alone;
- diarisation speed in x real time; goal >= 60x.

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
else:
    from reverie.speech.recognise import transcribe
    words = [w.text for w in transcribe(audio, model=model_dir, speakers=1).words]
seconds = time.perf_counter() - began
maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "maxrss_kb": maxrss_kb, "words": len(words)}}))
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
        _row("speech.recognition_wall_s", ours_s, bare_s, "<= 1.10x bare", ours_s / bare_s <= 1.10,
             f"median of {runs} alternating runs; bare {bare_s:.2f} s; "
             f"times ours {[round(t, 2) for t in times['ours']]}, "
             f"bare {[round(t, 2) for t in times['bare']]}"),
        _row("speech.recognition_wer_vs_bare", wer, 0.0, "<= 1 %", wer <= 0.01,
             f"{len(texts['ours'].split())} words ours, {len(texts['bare'].split())} bare", ratio=None),
    ]


def _memory_row(path: Path, model_dir: Path) -> dict:
    peaks = {}
    for mode in ("bare", "ours"):
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(path), str(model_dir)],
                             capture_output=True, text=True, check=True)
        peaks[mode] = json.loads(out.stdout.strip().splitlines()[-1])["maxrss_kb"] / 1024
    ratio = peaks["ours"] / peaks["bare"]
    return _row("speech.recognition_peak_rss_mb", peaks["ours"], peaks["bare"], "<= 1.15x bare", ratio <= 1.15,
                "ru_maxrss of a fresh process that loads the model and transcribes once")


def _prosody_row(samples, words, runs: int) -> dict:
    import numpy as np
    import parselmouth

    from reverie.speech import prosody

    lines = []
    for i in range(0, len(words), 8):
        group = words[i:i + 8]
        lines.append((group[0].start, group[-1].end, group))

    def praat_alone():
        sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=16000)
        sound.to_pitch_ac(time_step=0.01, pitch_floor=75.0, pitch_ceiling=500.0)
        sound.to_intensity(minimum_pitch=100.0, time_step=0.01)

    def ours():
        prosody.measure_lines(samples, lines, pauses=[])

    times = {"praat": [], "ours": []}
    for _ in range(runs):
        for name, call in (("praat", praat_alone), ("ours", ours)):
            began = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - began)
    ours_s, praat_s = statistics.median(times["ours"]), statistics.median(times["praat"])
    duration = len(samples) / 16000
    return _row("speech.prosody_wall_s", ours_s, praat_s, "report", True,
                f"{duration / ours_s:.0f}x real time for {len(lines)} lines, {len(words)} words "
                f"(Praat alone {duration / praat_s:.0f}x)")


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
                f"GE2E numpy + AHC, median of {runs}; VAD regions given; {duration / statistics.median(cpu):.0f}x "
                f"audio per CPU-second (wall time suffers when other processes share the 2 cores)", ratio=None)


def run(quick: bool) -> list[dict]:
    """Measure every row on the same synthetic audio and model; see the module docstring."""
    from reverie.speech.models import resolve_model
    from reverie.speech.recognise import transcribe

    runs = 5 if quick else 7
    model_dir = resolve_model(None)
    with tempfile.TemporaryDirectory() as tmp:
        _, samples, path = _make_audio(Path(tmp), quick)
        rows = _recognition_rows(path, model_dir, runs)
        rows.append(_memory_row(path, model_dir))
        words = transcribe(path, model=model_dir, speakers=1).words
        rows.append(_prosody_row(samples, words, runs))
        rows.append(_diarisation_row(samples, runs))
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
