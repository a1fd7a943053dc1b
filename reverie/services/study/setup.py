"""Setting a study up: making one from a folder (the workbench's New study page), and what the set-up pages show.

``reverie serve FOLDER`` on a folder that holds no study yet offers to make one there;
:func:`folder_state` says which kind of folder it is, and :func:`create_study` makes the study
with the researcher's defaults (line layout, notation) in one step, plain or encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from reverie.core.errors import InvalidInput, NotFound
from reverie.core.layout import LAYOUT_MODES, LineLayout, parse_layout_name
from reverie.core.notation import PROFILES, parse_profile_name
from reverie.services.study.context import MANIFEST, OpenStudy
from reverie.services.study.interviews import find_interview
from reverie.services.study.participants import find_participant
from reverie.services.study.studies import Identity, _check_identity, init_study, set_line_layout, update_study
from reverie.store.models import ConsentRecord, InterviewSchedule, ResearcherProfile

# Files a desktop leaves in any folder; they do not make a folder "hold other files".
_DESKTOP_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class FolderState:
    """What a folder given to ``reverie serve`` holds.

    ``kind`` is ``study`` (a Reverie study: open it), ``new`` (missing or empty: a study can be
    made here) or ``occupied`` (it holds other files, named in ``others``: a study is never mixed
    in with them; it can be made in a new folder inside).
    """

    kind: str
    others: tuple[str, ...] = ()


def folder_state(root: Path | str) -> FolderState:
    root = Path(root)
    if (root / MANIFEST).exists():
        return FolderState("study")
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root}: exists and is not a folder; give a folder for the study")
    if not root.exists():
        return FolderState("new")
    others = tuple(sorted(p.name for p in root.iterdir() if p.name not in _DESKTOP_LITTER))
    return FolderState("occupied", others) if others else FolderState("new")


@dataclass(frozen=True)
class StudyDefaults:
    """What a new study starts with: how transcripts are cut into lines and which notation they use."""

    layout: str = "fixed_width"
    width: int = 80
    notation: str = "verbatim_health"


LAYOUT_CHOICES = LAYOUT_MODES
NOTATION_CHOICES = tuple((name, profile.description) for name, profile in PROFILES.items())


def create_study(root: Path | str, *, title: str = "", identity: Identity, defaults: StudyDefaults = StudyDefaults(),
                 passphrase: str | None = None) -> OpenStudy:
    """Make a study in ``root`` (missing or empty) with these defaults, encrypted when a passphrase is given.

    Everything is checked before the folder is touched, so a refused study leaves nothing behind.
    """
    root = Path(root)
    _check_identity(identity)
    layout = LineLayout(mode=parse_layout_name(defaults.layout), width=defaults.width)
    notation = parse_profile_name(defaults.notation)
    if folder_state(root).kind != "new":
        raise InvalidInput(f"{root}: the folder is not empty; choose a new folder for the study")
    if passphrase is not None:
        from reverie.services.study.encryption import init_encrypted_study

        study = init_encrypted_study(root, passphrase, title=title, identity=identity)
    else:
        study = init_study(root, title=title, identity=identity)
    try:
        if layout != LineLayout():
            set_line_layout(study, layout)
        if notation != "verbatim_health":
            update_study(study, notation_profile=notation)
    except BaseException:
        study.close()
        raise
    return study


# --- what the set-up pages read --------------------------------------------------------------

def consent_records(study: OpenStudy, code: str) -> list[ConsentRecord]:
    """A participant's consent records, oldest first (the last one holds any withdrawal)."""
    with study.read() as s:
        participant = find_participant(s, study, code)
        rows = list(s.execute(select(ConsentRecord).where(ConsentRecord.participant_id == participant.id)
                              .order_by(ConsentRecord.id)).scalars())
        for row in rows:
            s.expunge(row)
        return rows


@dataclass(frozen=True)
class InterviewDetails:
    """One interview as its edit form shows it."""

    code: str
    round: int
    purpose: str
    held_on: date | None
    start_time: str
    duration_min: float | None
    location_type: str
    others_present: str
    interviewer: str
    schedule_version: int | None
    narrative_pointers: tuple[str, ...] = field(default=())


def interview_details(study: OpenStudy, code: str, round_no: int) -> InterviewDetails:
    with study.read() as s:
        interview = find_interview(s, study, code, round_no)
        interviewer = s.get(ResearcherProfile, interview.interviewer_id) if interview.interviewer_id else None
        schedule = s.get(InterviewSchedule, interview.schedule_id) if interview.schedule_id else None
        return InterviewDetails(code, interview.round, interview.purpose, interview.held_on, interview.start_time or "",
                                interview.duration_min, interview.location_type or "", interview.others_present or "",
                                interviewer.label if interviewer else "", schedule.version if schedule else None,
                                tuple(interview.narrative_pointers or ()))


def set_interview_conduct(study: OpenStudy, code: str, round_no: int, *, interviewer: str | None,
                          schedule_version: int | None, why: str = "") -> None:
    """Say who held an interview (a researcher's label) and which schedule version it used (None: not recorded)."""
    payload = {"interviewer": interviewer or "", "schedule_version": schedule_version}
    with study.write("interview.update", target=f"interview:{code}/{round_no}", why=why, payload=payload) as s:
        interview = find_interview(s, study, code, round_no)
        interviewer_id = None
        if interviewer:
            interviewer_id = s.execute(select(ResearcherProfile.id).where(
                ResearcherProfile.study_id == study.study_id, ResearcherProfile.label == interviewer)).scalar()
            if interviewer_id is None:
                raise NotFound(f"no researcher {interviewer!r} in this study")
        schedule_id = None
        if schedule_version is not None:
            schedule_id = s.execute(select(InterviewSchedule.id).where(
                InterviewSchedule.study_id == study.study_id, InterviewSchedule.version == schedule_version)).scalar()
            if schedule_id is None:
                raise NotFound(f"no interview schedule version {schedule_version}")
        interview.interviewer_id, interview.schedule_id = interviewer_id, schedule_id
