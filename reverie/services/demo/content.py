"""The demo study's interview text, written for Reverie (no participant ever said these words).

Shaped like the reference study: five NHS mental health professionals talk about working with
peer support workers. Each transcript has a few passages that the demo's analysis is about,
set among ordinary talk so the line numbers and the search look like a real study's.
"""

PARTICIPANTS = [
    # code, gender, profession, setting, years band
    ("P1", "F", "Occupational Therapist", "Acute Care", ">15"),
    ("P2", "F", "Psychologist", "Community", ">15"),
    ("P3", "F", "Nurse", "Community", ">15"),
    ("P4", "M", "Social Worker", "Specialist Services", ">15"),
    ("P5", "M", "Psychiatrist", "Community", ">15"),
]

ROUND_ONE_MINUTES = {"P1": 80, "P2": 62, "P3": 55, "P4": 45, "P5": 58}
ROUND_TWO_MINUTES = {"P1": 40, "P2": 45, "P3": 31, "P4": 25, "P5": 28}

OPENING = "Can you tell me about a time when working with a peer support worker felt particularly valuable?"

# Ordinary talk that surrounds the key passages; the builder cycles through it.
FILLER_QUESTIONS = [
    "And what was that like for you?",
    "You said the team was stretched. Can you say more about that?",
    "What happened after that?",
    "How did the others on the ward respond?",
    "Can you remember a particular day?",
    "Mm. Go on.",
]
FILLER_ANSWERS = [
    "Well, um, the ward had been really busy that winter, we had a lot of new admissions and not many of us "
    "on the rota, so everyone was just… getting through the shift, really.",
    "I think the handovers were where you noticed it most. People were tired, you know, and you'd be reading "
    "the notes and thinking about the next person rather than the one in front of you.",
    "We had the care planning meetings on a Tuesday and the discharge meetings on a Thursday, and the peer "
    "would come to both, which at first some of the consultants weren't sure about.",
    "I suppose I'd describe it as a kind of, um, a different way of being in the room. Not doing anything "
    "clinical as such, just being there with people.",
    "There were things we were measured on, the paperwork, the risk assessments, and I understand why, "
    "but it does shape what you notice and what you don't.",
    "She'd been a service user herself, on that same ward actually, years before, and she'd say so quite "
    "openly, which I think made a difference to how people spoke to her.",
    "It wasn't always easy. There were days when it felt like the peer role was, I don't know, tolerated "
    "rather than valued, if that makes sense.",
    "And then the next week we had the audit, and everything went back to forms and targets again.",
]

# The passages the demo's extracts are made from, by participant; each is one participant turn.
KEY_PASSAGES = {
    "P1": [
        ("milk", "I remember once a… peer [support worker] said in the discharge meeting, \"does she have milk at "
                 "home?\" And it was such a little thing, such a silly little thing, and none of us had thought of "
                 "it. We'd done the medication and the follow-up and the risk plan, and nobody had asked whether "
                 "there'd be milk in the fridge when she got home."),
        ("professional", "As a professional it was kind of i-i-it (laughs) humbling, really. Because we think in "
                         "terms of the big things, psychology or tablets, and she was thinking about what it "
                         "actually feels like to walk into an empty flat after six weeks on a ward."),
        ("important", "That's what I mean, it's the little things, but they're really important, they're the "
                      "things that say somebody has held you in mind."),
    ],
    "P2": [
        ("feedback", "The feedback we got from clients was always very positive, they'd say things like she "
                     "understood, she'd been there, she didn't judge. And in the team meetings we'd hear that "
                     "and nod and, um, write it down, and that was sort of as far as it went."),
        ("difference", "But you could see the difference. I sat in on one session and he'd been, he'd been so "
                       "withdrawn all week, shoulders right up, and she just sat with him… and… you could see "
                       "him… just… let go. I can't really describe it properly. You'd have to have been there."),
    ],
    "P3": [
        ("room", "The peer worker was in the room when one of the doctors said, \"that's not really our job, the "
                 "carers, we haven't got time for that,\" and I felt, I felt embarrassed, for him and for us, "
                 "because she'd heard it and she didn't say anything, she just looked at me."),
    ],
    "P4": [
        ("tablets", "Sometimes it feels like all we can offer is psychology or tablets, one or the other, and "
                    "people need so much more than that, they need someone to go to the café with."),
    ],
    "P5": [
        ("evidence", "From a medical point of view I want to see the evidence, I'm not against it, but I do "
                     "wonder sometimes whether we're, um, whether we're asking peers to carry the risk that we "
                     "should be carrying ourselves."),
    ],
}

# P4's round-1 interview is a recorded excerpt transcribed by the speech engine; its draft
# mis-heard these words, which the demo corrects against the recording.
MISHEARD = "with a PFL -3L -3L -3L -3L?"
HEARD = "with a peer felt really valuable?"

# Where each key passage sits among the filler turns (the turn index in the interview).
PASSAGE_AT = {"milk": 61, "professional": 63, "important": 65, "feedback": 31, "difference": 79, "room": 55,
              "tablets": 71, "evidence": 41}

TURNS_PER_INTERVIEW = 96

SCHEDULE = [
    ("opening", OPENING),
    ("narrative", "Can you tell me about a time when the peer support worker's contribution surprised you?"),
    ("prompt", "Why do you think peers are valued?"),
    ("prompt", "Do you think the service benefits from peer workers?"),
    ("closing", "Is there anything about working with peers that we haven't talked about and you'd like to add?"),
]


def interview_turns(code: str) -> list[tuple[str, str]]:
    """The (speaker, text) turns of a participant's round-1 interview."""
    passages = {PASSAGE_AT[name]: text for name, text in KEY_PASSAGES[code]}
    turns: list[tuple[str, str]] = [("I", OPENING)]
    index = 1
    seed = sum(ord(c) for c in code)
    while len(turns) < TURNS_PER_INTERVIEW:
        if index % 2 == 1:
            key = len(turns)
            if key in passages:
                turns.append((code, passages[key]))
            else:
                turns.append((code, FILLER_ANSWERS[(seed + index) % len(FILLER_ANSWERS)]))
        else:
            turns.append(("I", FILLER_QUESTIONS[(seed + index) % len(FILLER_QUESTIONS)]))
        index += 1
    # Key passages must be participant turns: make sure each one is present.
    for position, text in passages.items():
        if turns[position] != (code, text):
            turns[position] = (code, text)
    return turns


def interview_text(code: str) -> str:
    return "\n".join(f"{speaker}: {text}" for speaker, text in interview_turns(code)) + "\n"
