"""Make the demo's recorded excerpt (P4, round 1) and store what the speech engine made of it.

The interviewer speaks with espeak-ng, the participant with hibari-tts's in-wheel voice; the
words are our own. The excerpt is transcribed once here, through ``reverie transcribe``'s own
service, and the resulting turns, word times, pauses and prosody are saved as JSON beside the
audio, so ``reverie demo`` shows a transcribed recording without the speech extra installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "speech"))
import speech_synth

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts.corrections import current_turns
from reverie.services.transcripts.transcription import transcribe_interview
from reverie.services.transcripts.versions import version_info, version_text
from reverie.store.models import Annotation

DATA = Path(__file__).resolve().parents[1] / "reverie" / "services" / "demo" / "data"
SCRIPT = [
    ("I", "Can you tell me about a time when working with a peer felt really valuable?", 1.0),
    ("P", "Sometimes it feels like all we can offer is psychology or tablets.", 1.6),
    ("P", "One or the other, and people need so much more than that.", 0.8),
    ("P", "They need someone to go to the cafe with.", 2.4),
    ("I", "What was that like for you?", 0.9),
    ("P", "Honestly? It was humbling.", 1.2),
    ("P", "She would just sit with them, and you could see them settle.", 3.0),
    ("P", "I don't think we measure that anywhere.", 0.7),
]


def synthesise() -> np.ndarray:
    voice = speech_synth.HibariVoice()
    parts = [np.zeros(int(0.5 * speech_synth.SR), np.float32)]
    for speaker, text, gap in SCRIPT:
        samples = speech_synth.espeak(text) if speaker == "I" else voice(text)
        samples = samples / max(1e-6, float(np.abs(samples).max())) * 0.8
        parts += [samples, np.zeros(int(gap * speech_synth.SR), np.float32)]
    return np.concatenate(parts)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        synthesise_cache = synthesise()
        wav = speech_synth.write_wav(tmp / "p4.wav", synthesise_cache)
        ogg = DATA / "p4-round1-excerpt.ogg"
        subprocess.run(["sox", str(wav), "-C", "3", str(ogg)], check=True)
        study = studies.init_study(tmp / "study", title="demo recording", identity=studies.Identity("Demo", "TM"))
        participants.add_participant(study, "P4")
        interviews.add_interview(study, "P4", 1, recording=ogg)
        status = transcribe_interview(study, "P4", 1)
        if status.state != "done":
            raise SystemExit(f"transcription failed: {status.error}")
        info = version_info(study, "P4", 1)
        with study.read() as s:
            query = s.query(Annotation).filter(Annotation.version_id == info.id).order_by(Annotation.id)
            annotations = [{"kind": a.kind, "start": a.start_offset, "end": a.end_offset, "data": a.data,
                            "note": a.note}
                           for a in query]
        turns = [{"speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end,
                  "words": [[w.text, w.start, w.end, w.probability] for w in t.words]}
                 for t in current_turns(study, "P4", 1)]
        results = {"model": "tiny.en", "text": version_text(study, info.id), "layout": info.layout,
                   "duration_s": round(len(synthesise_cache) / speech_synth.SR, 2),
                   "turns": turns, "annotations": annotations}
        (DATA / "p4-round1-excerpt.json").write_text(json.dumps(results, indent=1, ensure_ascii=False),
                                                     encoding="utf-8")
        study.close()
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
