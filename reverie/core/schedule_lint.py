"""Advice on interview questions, in the spirit of free association narrative interviewing.

Hollway and Jefferson's method asks open questions that invite stories about particular
occasions, avoids "why" questions, and follows up in the participant's own words (METHOD.md
§3.1-3.2). This linter points at wording that tends to close talk down. It only advises: a
researcher may keep any question, and a finding says why it was raised and what to try instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STORY_INVITATION = "Can you tell me about a time when…"

_WHY = re.compile(r"\bwhy\b", re.IGNORECASE)
_CLOSED_OPENING = re.compile(
    r"^\W*(do|does|did|is|are|was|were|have|has|had|can|could|would|will|should|shall|may"
    r"|might|am|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|haven't|hasn't|can't"
    r"|couldn't|wouldn't|won't)\b",
    re.IGNORECASE,
)
# "Can you tell me about…", "Could you describe…": polite forms of an open invitation to talk.
_INVITATION = re.compile(
    r"^\W*(can|could|would|will)\s+you\s+(please\s+)?"
    r"(tell|describe|talk|walk|take\s+me|share|say\s+(a\s+bit\s+)?more|give\s+(me\s+)?an\s+example"
    r"|think\s+(of|back)|recall|remember\s+(a|an|the)\s+(time|occasion|moment)|explain\s+what)\b",
    re.IGNORECASE,
)
# "…and how did you feel?", "…and did you tell anyone?": a second question joined by "and".
_SECOND_ASK = re.compile(
    r"\band\s+(what|how|why|where|who|which"
    r"|(do|does|did|is|are|was|were|have|has|can|could|would|will)\s+(you|they|he|she|it|we"
    r"|there|that|this|people|staff))\b",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"\b(don't you (think|agree|feel)|wouldn't you (agree|say)|isn't it|aren't they|surely"
    r"|obviously|of course)\b"
    r"|,\s*(isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|wouldn't|can't|haven't"
    r"|hasn't)\s+(it|they|you|he|she|we|there|that|i)\s*\?\s*$",
    re.IGNORECASE,
)
_GENERALISING = re.compile(
    r"\b(in general|generally|usually|typically|normally|on the whole|what do you think about"
    r"|what are your (views|thoughts|opinions) (on|about)|how do you feel about)\b",
    re.IGNORECASE,
)
_SPECIFIC_OCCASION = re.compile(
    r"\b(a time|an occasion|a particular|a specific|one time|the last time|the first time"
    r"|an example|a moment|an incident|a situation)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One piece of advice about a question: which habit it concerns and what to consider."""

    rule: str
    reason: str


def lint_question(text: str, jargon: Iterable[str] = ()) -> list[Finding]:
    """Advice on one interview question; an empty list means nothing to suggest."""
    question = text.replace("’", "'").strip()
    findings: list[Finding] = []
    if _WHY.search(question):
        findings.append(Finding(
            "why_question",
            "A 'why' question asks the participant to explain and justify, which tends to "
            f"draw out defended, intellectualised answers; consider \"{STORY_INVITATION}\" "
            "or \"What happened when…\" instead.",
        ))
    if _CLOSED_OPENING.search(question) and not _INVITATION.search(question):
        findings.append(Finding(
            "closed_opening",
            "This opening can be answered with yes or no; consider an open invitation such "
            f"as \"{STORY_INVITATION}\" or \"Could you describe…\".",
        ))
    if question.count("?") >= 2 or _SECOND_ASK.search(question):
        findings.append(Finding(
            "double_barrelled",
            "This seems to ask two things at once, so the participant may answer only one; "
            "consider splitting it into separate questions.",
        ))
    if _LEADING.search(question):
        findings.append(Finding(
            "leading",
            "The wording suggests the answer you expect; consider a neutral phrasing that "
            "leaves the participant free to disagree.",
        ))
    if _GENERALISING.search(question) and not _SPECIFIC_OCCASION.search(question):
        findings.append(Finding(
            "generalising",
            "This invites a general opinion rather than a story about a particular occasion; "
            f"consider \"{STORY_INVITATION}\" so the answer stays close to experience.",
        ))
    for term in jargon:
        if term.strip() and re.search(rf"(?<!\w){re.escape(term.strip())}(?!\w)", question, re.IGNORECASE):
            findings.append(Finding(
                "jargon",
                f"'{term.strip()}' may be unfamiliar to participants; consider the words they "
                "would use themselves.",
            ))
    return findings


def lint_schedule(items: Sequence[str], jargon: Iterable[str] = ()) -> list[list[Finding]]:
    """Advice on each question of a schedule, in the schedule's order (one list per item)."""
    terms = list(jargon)
    return [lint_question(item, terms) for item in items]
