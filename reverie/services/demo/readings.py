"""The demo's analysis memos, as a researcher would write them in each field of the memo page.

Each reading is plain words in the field it answers (constructions, positioning acts and the
like are rows of named fields), so the memo page shows prose and rows, never JSON. Line ranges
are the transcript's, from :mod:`reverie.services.demo.content`.
"""

from __future__ import annotations

from reverie.services.demo.content import PASSAGES


def _lines(name: str) -> list[int]:
    passage = PASSAGES[name]
    return [passage.first, passage.last]


def first_readings(affect: dict[str, int]) -> dict[str, dict]:
    """Memo version 1 of each extract: the close reading written before anyone else saw it.

    ``affect`` maps an extract to the reflexive log entry whose feeling led to it.
    """
    milk, professional = _lines("milk"), _lines("professional")
    return {
        "E1": {
            "summary": "A peer's ordinary question about milk shows the team what its thorough plan left out: "
                       "the person going home, not the case being discharged.",
            "willig": {
                "constructions": [
                    {"label": "milk", "wording": "does she have milk at home?", "line_range": [milk[0], milk[0] + 1]},
                    {"label": "the little thing", "wording": "such a little thing, such a silly little thing",
                     "line_range": [milk[0] + 1, milk[0] + 2]},
                    {"label": "the professional plan", "wording": "the medication and the follow-up and the risk plan",
                     "line_range": [milk[0] + 3, milk[0] + 3]},
                ],
                "discourses": ["relational care", "biomedical"],
                "action_orientation": "The contrast between the team's plan and the peer's question accounts for "
                                      "why the professionals missed the milk, and raises the peer's contribution "
                                      "above it. Calling it \"silly\" disclaims the story before anyone can.",
                "positionings": ["The peer as the one who notices ordinary life",
                                 "The professionals as thorough but task-bound",
                                 "The patient as a person going home, not a case being discharged"],
                "practice": {"enables": ["asking about home, food and company at every discharge"],
                             "constrains": ["counting the peer's question as clinical work: it is recorded nowhere"]},
                "subjectivity": "Speculative: being thought about as a person with a kitchen, at the moment of "
                                "leaving the ward's care, may feel like being held in mind.",
            },
            "positioning": [
                {"positioner": "P1", "positioned": "the peer", "position_label": "voice of the "
                 "patient's everyday life", "rights_duties": "entitled to ask the question nobody else thought of",
                 "storyline": "the discharge plan that forgot the kitchen", "speech_act": "praise",
                 "mode": "interactive", "order": "third", "intentionality": "tacit", "uptake": "taken_up",
                 "line_range": milk},
                {"positioner": "P1", "positioned": "herself", "position_label": "humbled professional",
                 "storyline": "the expert who learns from the peer", "speech_act": "confession",
                 "mode": "reflexive", "order": "first", "intentionality": "deliberate", "uptake": "taken_up",
                 "line_range": professional},
            ],
            "psychosocial": {
                "anxieties": "Fear of having failed at the very thing an occupational therapist is for: daily life.",
                "defences": ["Laughter at the moment of admitting the blind spot (line "
                             f"{professional[0]})", "Minimising: \"a silly little thing\""],
                "investments": "Being the member of the team who thinks about the whole person.",
                "identifications": "With the peer's attention to ordinary needs; with the woman afraid of "
                                   "seeming silly.",
                "ambivalence_contradictions": "Proud of the team's thorough plan and ashamed of what it left out.",
                "association_links": "Straight after the story she turns to the card the woman sent, which named "
                                     "the peer first and \"all the staff\" after.",
                "embodied_nonverbal": "She slowed down and dropped her voice; the stammer on \"i-i-it\".",
                "researcher_affect": [affect["E1"]],
                "whole_case_check": True,
            },
        },
        "E2": {
            "willig": {"action_orientation": "A confession of a professional blind spot that still keeps the "
                                             "professional at the centre of the story.",
                       "discourses": ["biomedical"],
                       "practice": {"constrains": ["thinking beyond the big things: the care plan, the tablets"]}},
            "psychosocial": {"defences": ["Laughter as she names the feeling (humbling)"],
                             "investments": "A self that can admit a mistake and so stay a good professional."},
        },
        "E3": {
            "willig": {"subjectivity": "Being moved in the room; impact beyond words (speculative).",
                       "action_orientation": "Saying it cannot be described protects the moment from being "
                                             "translated into the team's language.",
                       "constructions": [{"label": "letting go", "wording": "you could see him… just… let go"}]},
            "psychosocial": {"embodied_nonverbal": "Long pauses and a slower voice; the transcript keeps only "
                                                   "the ellipses.",
                             "researcher_affect": [affect["E3"]]},
        },
        "E4": {
            "willig": {"action_orientation": "Feedback on paper as evidence of value, and as evidence that "
                                             "nothing followed from it.",
                       "discourses": ["managerialism"],
                       "practice": {"constrains": ["treating clients' words as data the service acts on"]}},
        },
        "E5": {
            "willig": {"action_orientation": "Retelling a dismissal; the silent peer as witness.",
                       "discourses": ["biomedical", "relational care"]},
            "positioning": [
                {"positioner": "one of the doctors", "positioned": "carers", "position_label": "not our job",
                 "storyline": "a time-pressed clinic has no room for carers", "speech_act": "dismissal",
                 "mode": "interactive", "order": "first", "intentionality": "unclear", "uptake": "unknown",
                 "line_range": _lines("room")},
            ],
            "psychosocial": {"ambivalence_contradictions": "Critical of the doctor yet part of the same team.",
                             "researcher_affect": [affect["E5"]]},
        },
    }
