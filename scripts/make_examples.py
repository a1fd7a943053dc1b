"""Write ``examples/``: an invented, line-numbered interview of 1,000+ lines as Word and a short recording.

Everything in it is made up for the README's "A study is a folder" commands, which run verbatim
in that folder (a test runs them). The transcript is numbered as a transcription service returns
it, so it imports in the ``imported`` layout and keeps its published numbers; lines 978-981 hold
the passage the README cites. Run again only to change the examples: ``scripts/make-examples``.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

LENGTH = 1040
CITED = {978: ("She asked him whether he had milk at home, and I thought that is such a little thing,",
               "such a silly thing, but it was really important to him. Nobody else had asked.",
               "We were all so busy with the medication and the risk forms, you know,",
               "and she just asked about his fridge.")}
PROMPTS = ("Can you tell me about a time when that happened?", "Mm.", "What was that like for you?",
           "And then what happened?", "You said earlier it felt different. Can you say more about that?",
           "Right.", "How did the rest of the team respond?", "What do you make of that now?",
           "Can you give me an example?", "Go on.")
TALK = ("we had a team meeting about it on the Tuesday", "and the ward was very busy that week",
        "I think people were unsure at first, (.) unsure what she was there for",
        "there was a lot of paperwork around it", "and the manager was supportive in principle",
        "it took a while to settle in", "some of the staff were quite wary of her",
        "I had worked there for a long time by then",
        "and we talked about it in supervision", "it was not always easy to find the time",
        "she had been a patient on that ward herself, years before", "so there was a bit of, um, awkwardness",
        "and I remember thinking, what can she offer that we can't", "but then I saw her with one of the lads",
        "he would not talk to any of us, not the doctors, not me", "and he talked to her for an hour (laughs)",
        "it changed how I saw my own job, really", "I'd been trained to look for the risk first",
        "and she looked for the person first", "it sounds simple when I say it like that",
        "the handover was different after that, we started to ask different questions",
        "I don't think we'd have got there without her", "not everyone agreed, mind you",
        "one of the consultants said it was, what did he say, 'nice but not evidence based'",
        "and I understand that, I do", "but the people on the ward noticed the difference",
        "you could see it at meal times, at the kitchen, little things")


def numbered_lines(seed: int = 3) -> list[str]:
    """The transcript's lines as a transcription service numbers them: ``N  SPEAKER: words`` or ``N  words``."""
    rng = random.Random(seed)
    out: list[str] = []
    number, speaker = 1, "I"
    while number <= LENGTH:
        if number in CITED:
            for index, text in enumerate(CITED[number]):
                out.append(f"{number}  P1: {text}" if index == 0 else f"{number}  {text}")
                number += 1
            speaker = "I"
            continue
        following = min((start for start in CITED if start >= number), default=LENGTH + 1)
        size = min(1 if speaker == "I" else rng.randint(1, 5), following - number, LENGTH - number + 1)
        for index in range(size):
            text = rng.choice(PROMPTS if speaker == "I" else TALK)
            out.append(f"{number}  {speaker}: {text}" if index == 0 else f"{number}  {text}")
            number += 1
        speaker = "P1" if speaker == "I" else "I"
    return out


def write_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Interview P1, round 1 (invented example). Transcribed verbatim.")
    for line in numbered_lines():
        document.add_paragraph(line)
    document.core_properties.author = "Reverie examples"
    document.save(path)


def write_recording(path: Path) -> None:
    """A few seconds of synthetic speech (espeak-ng), 16 kHz mono: enough to attach and play."""
    words = "Can you tell me about a time when working with a peer felt particularly valuable?"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(path), words], check=True)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "examples"
    folder.mkdir(exist_ok=True)
    write_docx(folder / "p1-round1.docx")
    write_recording(folder / "p1.wav")
    print(f"wrote {folder}/p1-round1.docx ({LENGTH} numbered lines) and {folder}/p1.wav")


if __name__ == "__main__":
    main()
