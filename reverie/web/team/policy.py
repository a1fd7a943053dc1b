"""Who may use which part of the workbench in team mode: one table, keyed by each router's tag.

Least privilege (NHS DSPT standard 4): a transcriber sees transcripts, not the analysis or the
reflexive log; an auditor reads everything and changes nothing; reviewers (a participant, a PPI
member) reach only the review portal, which in turn shows them only their own packet. "Read"
means GET and HEAD; any other method is a change.

A router whose tag is missing from :data:`POLICY` stops the team server from starting
(:func:`section_of`), so a new page is never served to everyone by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

SAFE_METHODS = frozenset({"GET", "HEAD"})

LEAD, ANALYST, TRANSCRIBER, AUDITOR = "lead", "analyst", "transcriber", "auditor"
PARTICIPANT_REVIEWER, PPI_MEMBER = "participant_reviewer", "ppi_member"
STAFF = (LEAD, ANALYST, TRANSCRIBER, AUDITOR)
ANALYSIS = (LEAD, ANALYST, AUDITOR)
REVIEWERS = (PARTICIPANT_REVIEWER, PPI_MEMBER)


@dataclass(frozen=True)
class Rule:
    """The roles that may read a section, and those that may change things in it."""

    read: tuple[str, ...]
    write: tuple[str, ...]

    def allows(self, role: str, method: str) -> bool:
        return role in (self.read if method in SAFE_METHODS else self.write)


POLICY: dict[str, Rule] = {
    "overview": Rule(read=STAFF, write=()),
    # Participants, interviews, the schedule and study facts: everyone on the study reads them, the lead edits.
    "study": Rule(read=STAFF, write=(LEAD,)),
    # Uploading transcripts and recordings and starting their transcription: the transcriber's work.
    "imports": Rule(read=STAFF, write=(LEAD, TRANSCRIBER)),
    # Retrying an interrupted job (most are transcriptions): whoever may start one.
    "jobs": Rule(read=STAFF, write=(LEAD, ANALYST, TRANSCRIBER)),
    "search": Rule(read=STAFF, write=()),
    "transcripts": Rule(read=STAFF, write=(LEAD, TRANSCRIBER)),
    "corrections": Rule(read=STAFF, write=(LEAD, TRANSCRIBER)),
    "affect": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    "codings": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    # The codebook and each code's retrieved passages (exports are reads of the analysis).
    "codebook": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    # Extracts and themes (the themes board, placing extracts, editing an extract): analysts edit, auditors read.
    "extracts": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    "memos": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    "reflexivity": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    "consultations": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    "reports": Rule(read=ANALYSIS, write=(LEAD, ANALYST)),
    # The workbench's own scripts and styles, and the team script: staff pages only.
    "static": Rule(read=STAFF, write=()),
    # The reviewer portal; which packet a reviewer sees is decided by their membership.
    "review": Rule(read=REVIEWERS, write=REVIEWERS),
    # Signing out and changing one's own password.
    "account": Rule(read=STAFF + REVIEWERS, write=STAFF + REVIEWERS),
}


def sees_analysis(role: str) -> bool:
    """Whether pages shared with the analysis (the transcript reader, search) may show codes and annotations.

    A transcriber reads the transcript and hears the recording; the codes, annotations and the
    codebook on those pages are the analysis, which is not theirs.
    """
    return POLICY["codings"].allows(role, "GET")


def may_change_locked(role: str) -> bool:
    """Whether a write to a locked transcript is this role's to make (a transcriber's is not)."""
    return role == LEAD


def section_of(router: APIRouter) -> str:
    """The policy section of a router (its first tag); refuse a router the table does not name."""
    tag = str(router.tags[0]) if router.tags else ""
    if tag not in POLICY:
        raise RuntimeError(f"the router tagged {tag or '(no tag)'!r} has no line in the team policy "
                           "(reverie/web/team/policy.py); add one before serving it to a team")
    return tag
