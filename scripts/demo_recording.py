"""Make the demo's recorded interview (P1's member reflection) and store what Reverie's pipeline made of it.

Two synthetic voices read words we wrote: the interviewer speaks with espeak-ng's British male
voice, the participant with hibari-tts's in-wheel voice, with silences of known length between
and inside their turns. The recording is then transcribed here, once, by ``reverie transcribe``'s
own service (Whisper tiny.en, voice-activity pauses, diarisation, prosody), and the resulting
turns, word times, pauses, prosody and emphasis are saved as JSON beside the audio, so
``reverie demo`` shows a transcribed recording in seconds without the speech extra installed.
The mis-hearings a researcher would fix against the recording are saved too, found by comparing
the draft with the script.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "speech"))
import speech_synth

from reverie.services.study import interviews, participants, studies
from reverie.services.transcripts.corrections import current_turns
from reverie.services.transcripts.transcription import transcribe_interview
from reverie.services.transcripts.versions import version_info, version_text
from reverie.store.models import Annotation, TranscriptVersion

DATA = Path(__file__).resolve().parents[1] / "reverie" / "services" / "demo" / "data"
NAME = "p1-member-reflection"
CODE, ROUND = "P1", 2
MODEL = "tiny.en"

# (speaker, words, silence after in seconds): I is the interviewer, P is P1.
SCRIPT = [
    ("I", "Thank you for seeing me again. This is the second conversation, about my first reading of "
          "what you told me.", 1.0),
    ("P", "That's fine. I've read the pages you sent me.", 0.6),
    ("P", "It was strange, seeing my own words written down like that.", 1.4),
    ("I", "What was strange about it?", 0.9),
    ("P", "I say um a lot more than I thought.", 1.8),
    ("P", "And I laugh in all the wrong places.", 1.2),
    ("I", "I wanted to start with the story about the milk. I read it as a moment when the peer worker "
          "noticed something ordinary that the professionals had missed.", 1.1),
    ("P", "Yes. That's right, as far as it goes.", 2.2),
    ("P", "But reading it again, I think the milk was about more than a drink.", 1.0),
    ("I", "Can you say more about that?", 1.3),
    ("P", "On the ward there is always milk. There's a trolley, there's tea at ten and at three.", 0.8),
    ("P", "Somebody makes sure of it, every single day.", 1.6),
    ("P", "The hospital gives you milk. Home doesn't, not unless somebody thinks of you.", 2.8),
    ("P", "So when she asked that question, it was really about whether anyone would be thinking of "
          "her, once she got home.", 1.2),
    ("I", "So the milk stands for care that carries on after the ward.", 1.0),
    ("P", "Yes. Care and comfort. Somebody carrying you over, from the ward to your own front door.", 2.0),
    ("P", "I hadn't put it like that before. It's only seeing it written down.", 1.5),
    ("I", "You also talked about the cliff edge, the day people go home. Does that belong with the milk?", 1.1),
    ("P", "I think it does. The ward holds you, and then one afternoon it stops.", 1.9),
    ("P", "You go from people around you at three in the morning to nobody at all.", 1.0),
    ("P", "The peer workers know that drop. They have fallen off it themselves.", 2.6),
    ("P", "We plan the medication and the follow up, and we forget the kettle and the empty fridge.", 1.3),
    ("I", "Has anything changed on the ward since we last spoke?", 1.0),
    ("P", "A little. We ask about the fridge now, at every discharge meeting.", 0.9),
    ("P", "One of the nurses made it a question on the checklist.", 1.7),
    ("P", "Which made me laugh, because it became a form.", 1.1),
    ("P", "But I would rather it was on the form than forgotten.", 2.2),
    ("I", "And the peer workers themselves, what do they make of it?", 0.9),
    ("P", "They were pleased, I think. One of them said it was the first time something she said "
          "ended up in writing.", 1.4),
    ("P", "That stayed with me. Everything they notice lives in the air, and then it's gone.", 2.0),
    ("I", "In the next part you called yourself humbled. I read that as a professional owning a "
          "blind spot.", 1.0),
    ("P", "Mm. I'm happy with humbled.", 1.1),
    ("P", "I wouldn't want it to read as if we didn't care about her, though.", 0.7),
    ("P", "We did care. We just cared in the language of the forms.", 2.4),
    ("I", "That's helpful. Is there anything in my reading that doesn't fit for you?", 1.2),
    ("P", "Only the word silly. I said silly, but I don't think the question was silly at all.", 0.9),
    ("P", "I think I said it because I was embarrassed that I hadn't asked it myself.", 3.0),
    ("I", "Thank you. I'll keep your word, and I'll note why you used it.", 0.9),
    ("P", "That sounds fair. And tell the peer workers, if you can, that it mattered.", 1.2),
    ("P", "The card is still on the staff room wall.", 0.8),
    ("I", "I will. Thank you for reading it so carefully.", 0.5),
]


def synthesise() -> speech_synth.Recording:
    hibari = speech_synth.HibariVoice()
    return speech_synth.build(SCRIPT, {"I": lambda text: speech_synth.espeak(text, speed=155), "P": hibari})


def mishearings(turns: list[dict]) -> list[dict]:
    """Where the draft's words differ from what was said: (turn, heard, said) as a researcher would fix them.

    Only replacements inside one speaker's turn are kept, each widened by a word either side until
    it occurs once in its turn, so applying one changes exactly one place.
    """
    def bare(word: str) -> str:
        return word.strip(".,?!").lower()

    said = [(speaker, word) for speaker, text, _ in SCRIPT for word in text.split()]
    heard = [(index, word) for index, turn in enumerate(turns) for word in turn["text"].split()]
    matcher = difflib.SequenceMatcher(a=[bare(w) for _, w in heard], b=[bare(w) for _, w in said], autojunk=False)
    fixes = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "replace" or a2 - a1 > 6 or b2 - b1 > 6:
            continue
        turn = {index for index, _ in heard[a1:a2]}
        speakers = {speaker for speaker, _ in said[b1:b2]}
        if len(turn) != 1 or len(speakers) != 1:
            continue  # a mis-hearing across a change of speaker is a diarisation matter, not a word fix
        (index,), (speaker,) = turn, speakers
        if (speaker == "I") != (turns[index]["speaker"] == "I"):
            continue
        text = turns[index]["text"]
        for widen in range(3):
            lo, hi = max(a1 - widen, 0), min(a2 + widen, len(heard))
            if {i for i, _ in heard[lo:hi]} != {index}:
                break
            wrong = " ".join(w for _, w in heard[lo:hi])
            right = " ".join([w for _, w in heard[lo:a1]] + [w for _, w in said[b1:b2]] + [w for _, w in heard[a2:hi]])
            if text.count(wrong) == 1:
                fixes.append({"turn": index, "heard": wrong, "said": right})
                break
    return fixes


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    recording = synthesise()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wav = speech_synth.write_wav(tmp / f"{NAME}.wav", recording.samples)
        audio = DATA / f"{NAME}.ogg"
        subprocess.run(["sox", str(wav), "-C", "2", str(audio)], check=True)
        study = studies.init_study(tmp / "study", title="demo recording", identity=studies.Identity("Demo", "TM"))
        participants.add_participant(study, CODE)
        interviews.add_interview(study, CODE, ROUND, purpose="member_reflection")
        interviews.attach_recording(study, CODE, ROUND, audio)
        status = transcribe_interview(study, CODE, ROUND, model=MODEL)
        if status.state != "done":
            raise SystemExit(f"transcription failed: {status.error}")
        info = version_info(study, CODE, ROUND)
        with study.read() as s:  # read-only: what the pipeline stored, as it stored it
            speech_info = dict(s.get(TranscriptVersion, info.id).speech_info or {})
            query = s.query(Annotation).filter(Annotation.version_id == info.id).order_by(Annotation.id)
            annotations = [{"kind": a.kind, "start": a.start_offset, "end": a.end_offset, "data": a.data,
                            "note": a.note} for a in query]
        turns = [{"speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end,
                  "words": [[w.text, w.start, w.end, w.probability] for w in t.words]}
                 for t in current_turns(study, CODE, ROUND)]
        text = version_text(study, info.id)
        results = {"participant": CODE, "round": ROUND, "model": speech_info.get("model", MODEL),
                   "speech_info": speech_info, "text": text, "layout": info.layout,
                   "duration_s": round(recording.duration, 2),
                   "voices": {"I": "espeak-ng en-gb-x-rp", "P": "hibari-tts (in-wheel voice)"},
                   "script": [[speaker, words] for speaker, words, _ in SCRIPT],
                   "inserted_pauses": [[round(a, 3), round(b, 3)] for a, b in recording.pauses],
                   "turns": turns, "annotations": annotations, "corrections": mishearings(turns)}
        (DATA / f"{NAME}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
        study.close()
    kinds = [a["kind"] for a in annotations]
    print(f"wrote {audio} ({recording.duration:.0f} s) and its results: {len(turns)} turns, "
          f"{kinds.count('pause')} pauses, {kinds.count('prosody')} prosody lines, "
          f"{len(results['corrections'])} mis-hearings")


if __name__ == "__main__":
    main()
