"""A synthetic interview corpus written by this generator (no real interview text).

Two speakers, realistic turn lengths (short interviewer prompts, long participant answers) and
the verbatim_health notation (pauses "…", false starts "i-i-it", fillers, (laughs)), so imports,
search and layout meet what real transcripts hold.
"""

from __future__ import annotations

import random

WORDS = (
    "ward team peer support worker service user discharge meeting care plan risk medication milk home "
    "family carer doctor nurse manager time shift handover recovery expertise experience voice trust "
    "really just kind of sort of you know I mean think feel felt remember once little important silly "
    "week day morning night meeting people everyone nobody somebody talk listen heard said asked told "
    "hospital community café kitchen fridge tea cup room chair door window office corridor notes forms"
).split()
QUESTIONS = [
    "Can you tell me about a time when that happened?", "What was that like?", "Mm.", "Go on.",
    "What happened next?", "How did the team respond?", "Can you say more about that?",
]


def participant_turn(rng: random.Random, words: int) -> str:
    out = []
    for i in range(words):
        word = rng.choice(WORDS)
        roll = rng.random()
        if roll < 0.02:
            word = f"{word[0]}-{word[0]}-{word}"
        elif roll < 0.04:
            word = word + "…"
        elif roll < 0.05:
            word = "um"
        elif roll < 0.055:
            word = "(laughs)"
        out.append(word)
        if i % 14 == 13:
            out[-1] += rng.choice([".", ",", "?"])
    return " ".join(out).capitalize() + "."


def interview(rng: random.Random, code: str, target_words: int) -> list[tuple[str, str]]:
    turns, total = [], 0
    while total < target_words:
        turns.append(("I", rng.choice(QUESTIONS)))
        length = max(8, int(rng.lognormvariate(4.0, 0.7)))
        turns.append((code, participant_turn(rng, length)))
        total += length + 6
    return turns


def corpus(n: int, words: int, seed: int = 7) -> list[tuple[str, list[tuple[str, str]]]]:
    rng = random.Random(seed)
    return [(f"P{i + 1}", interview(rng, f"P{i + 1}", words)) for i in range(n)]
