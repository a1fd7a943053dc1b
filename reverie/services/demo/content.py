"""The demo study's people, schedule and the passages its analysis is about.

The interviews themselves are package data (``data/p1-round1.txt`` …): five line-numbered
transcripts written for Reverie (no participant ever said these words), shaped like the reference
study (METHOD.md §11): five NHS mental health professionals talk about working with peer support
workers. The passages the extracts and citations quote sit at the lines named here; the builder
refuses to build when a transcript and this list disagree, so the demo's citations stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"

PARTICIPANTS = [
    # code, gender, profession, setting, years band
    ("P1", "F", "Occupational Therapist", "Acute Care", ">15"),
    ("P2", "F", "Psychologist", "Community", ">15"),
    ("P3", "F", "Nurse", "Community", ">15"),
    ("P4", "M", "Social Worker", "Specialist Services", ">15"),
    ("P5", "M", "Psychiatrist", "Community", ">15"),
]

# Round 1: narrative interviews; round 2: member reflections (dates and minutes as a study keeps them).
ROUND_ONE = {"P1": ("2018-10-03", 80), "P2": ("2018-10-10", 62), "P3": ("2018-10-17", 45),
             "P4": ("2018-10-24", 58), "P5": ("2018-11-01", 71)}
ROUND_TWO = {"P1": ("2019-02-06", 30), "P2": ("2019-02-13", 45), "P3": ("2019-02-20", 25),
             "P4": ("2019-03-06", 35), "P5": ("2019-03-13", 40)}


def transcript_file(code: str) -> Path:
    """A participant's typed round-1 transcript, line-numbered as the researcher's word processor printed it."""
    return DATA / f"{code.lower()}-round1.txt"


# The recorded interview: P1's member reflection, voiced by two synthetic voices and transcribed
# by Reverie's own speech pipeline when the demo data was made (scripts/make-demo-recording).
RECORDED = ("P1", 2)
RECORDING = DATA / "p1-member-reflection.ogg"
RECORDING_RESULTS = DATA / "p1-member-reflection.json"


@dataclass(frozen=True)
class Passage:
    """Words the analysis quotes, and the lines of the participant's round-1 transcript they stand on."""

    code: str
    first: int
    last: int
    opens: str


PASSAGES = {
    "milk": Passage("P1", 121, 126, "I remember once a… peer [support worker] said"),
    "professional": Passage("P1", 127, 130, "As a professional it was kind of"),
    "important": Passage("P1", 133, 133, "It's the little things, but they're really important."),
    "feedback": Passage("P2", 75, 78, "The feedback we got from clients"),
    "difference": Passage("P2", 166, 169, "But you could see the difference."),
    "room": Passage("P3", 109, 112, "The peer worker was in the room"),
    "tablets": Passage("P4", 103, 103, "All we can offer is psychology or tablets,"),
    "measure": Passage("P4", 321, 321, "I don't think we measure that anywhere."),
    "evidence": Passage("P5", 112, 115, "From a medical point of view I want to see the evidence"),
}

# The report's citations, as the reference paper prints its own (METHOD.md §11).
EXPECTED_CITATIONS = (
    "(Extract 1. P1, Occupational Therapist. Lines 121-6)",
    "(Extract 2. P1, Occupational Therapist. Lines 127-30)",
    "(Extract 3. P2, Psychologist. Lines 166-9)",
    "(Extract 4. P2, Psychologist. Lines 75-8)",
    "(Extract 5. P3, Nurse. Lines 109-12)",
    "(P1. Line 133)",
    "(P4. Line 103)",
)

OPENING = "Can you tell me about how you came to work alongside peer support workers?"

SCHEDULE = [
    ("opening", OPENING),
    ("narrative", "Can you tell me about a time when working with a peer support worker felt particularly valuable?"),
    ("narrative", "Can you tell me about a time when working with a peer support worker was difficult?"),
    ("prompt", "What was that like for you?"),
    ("prompt", "You said it felt different. Can you say more about that?"),
    ("closing", "Is there anything about working with peers that we haven't talked about and you'd like to add?"),
]

# Free-association narrative interviewing keeps the participant's own words to follow up in their
# phrasing, and a pen portrait of each whole account for the whole-case check.
NARRATIVE_POINTERS = {
    "P1": ["does she have milk at home?", "the cliff edge", "a task to hide behind"],
    "P2": ["you'd have to have been there", "a bridge that both banks walk on"],
    "P3": ["she just looked at me", "I feel like a postman"],
    "P4": ["psychology or tablets", "someone to go to the café with"],
    "P5": ["stable and stuck", "not everything is a symptom"],
}

PEN_PORTRAITS = {
    "P1": "An occupational therapist of nearly twenty years on an acute ward, warm and quick to laugh, who "
          "tells her account through small stories: the milk, the cat, the man reading the paper outside a "
          "door. She sees herself as the one who thinks about whole lives and is unsettled, gladly, to find "
          "the peers doing it from the inside.",
    "P2": "A clinical psychologist in a community team who pushed for the peer role and supervised it. "
          "Reflective and precise, she returns to a session she cannot describe and to the feedback cards "
          "she keeps in a drawer; her account moves from being the one who reaches people to making sure "
          "someone does.",
    "P3": "A community nurse with a caseload of thirty-four, practical and candid, whose account circles "
          "back to one review meeting in which she stayed silent. The peer worker appears as a witness and "
          "a mirror; time, banding and hierarchy run through everything she says.",
    "P4": "A social worker and approved mental health professional in early intervention, political and "
          "systemic, who reads the peer role through power: who signs the form, whose words carry weight "
          "in a meeting. He admits repeating a peer's words as his own so they would be heard.",
    "P5": "A consultant psychiatrist, formal and measured, sceptical of claims without evidence yet moved "
          "by single cases: the man who talked about tomatoes. He names the paradox of holding "
          "responsibility for people the peer knows better.",
}
