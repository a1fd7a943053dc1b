"""Importing a folder of transcripts at once: every file read and checked first, then stored in batches.

A study's transcripts usually arrive together from a transcription service, one file per
interview. Reading all of them before storing any means a bad file (empty, binary, no speakers)
is reported by name while nothing is stored yet. Storing them in batched transactions (each
transcript still its own audit event, joined into the batch's transaction) removes the fixed cost
of one transaction and one study read per file, which dominates in the small studies (5-50
interviews) most researchers have. A batch is laid out just before it is stored, on the same
thread: laying out the next batch on another thread while this one was stored made imports slower,
because SQLite lets go of the GIL for every row it writes and then waits to get it back.

Which interview a file belongs to comes from a map (``file,participant,round`` in a CSV) or from
its name: ``P1.txt`` is P1's first interview, ``P1_2.docx``, ``P1-r2.vtt`` and ``P1 round 2.srt``
its second.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, or_, select

from reverie.core.errors import InvalidInput
from reverie.core.garbage import collection_paused
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.versions import ImportResult, plan_version, study_transcript_defaults, write_versions
from reverie.store.models import ConsentRecord, Interview, Participant, Transcript, TranscriptVersion

TRANSCRIPT_SUFFIXES = (".txt", ".docx", ".vtt", ".srt", ".html", ".htm")
BATCH = 50  # transcripts a transaction
_NAME = re.compile(r"^(?P<code>[A-Za-z]+[0-9]+[A-Za-z0-9]*?)(?:[ _-]+(?:r|round)?[ _-]*(?P<round>[0-9]{1,2}))?$",
                   re.IGNORECASE)


@dataclass(frozen=True)
class FolderFile:
    """One transcript file and the interview it belongs to."""

    path: Path
    participant: str
    round: int


@dataclass(frozen=True)
class FolderImport:
    """What a folder import stored: each file with its result, and the interviews it added."""

    imported: tuple[tuple[FolderFile, ImportResult], ...]
    created: tuple[str, ...]


def read_map(path: Path) -> dict[str, tuple[str, int]]:
    """``file,participant,round`` rows (a header row is optional) as file name → (participant, round)."""
    mapping: dict[str, tuple[str, int]] = {}
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name}: cannot read the map ({exc.__class__.__name__})") from None
    for number, cells in enumerate(rows, 1):
        cells = [c.strip() for c in cells]
        if not any(cells) or (number == 1 and cells[:1] == ["file"]):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise InvalidInput(f"{path.name} line {number}: write it as file,participant[,round]")
        round_text = cells[2] if len(cells) > 2 and cells[2] else "1"
        if not round_text.isdigit() or int(round_text) < 1:
            raise InvalidInput(f"{path.name} line {number}: round {round_text!r} is not a round number (1, 2, …)")
        if cells[0] in mapping:
            raise InvalidInput(f"{path.name} line {number}: {cells[0]} is mapped twice")
        mapping[cells[0]] = (cells[1], int(round_text))
    return mapping


def plan_folder(folder: Path, mapping: dict[str, tuple[str, int]] | None = None) -> list[FolderFile]:
    """The transcript files in ``folder`` (not its sub-folders) and their interviews, in name order."""
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in TRANSCRIPT_SUFFIXES)
    if mapping is not None:
        missing = sorted(set(mapping) - {p.name for p in files})
        if missing:
            raise InvalidInput(f"the map names files that are not in {folder.name}: {', '.join(missing)}")
        return [FolderFile(p, *mapping[p.name]) for p in files if p.name in mapping]
    planned = []
    for path in files:
        match = _NAME.match(path.stem)
        if match is None:
            raise InvalidInput(f"{path.name}: cannot tell the participant from the name; name files like P1.txt or "
                               "P1_2.docx (round 2), or give --map map.csv with file,participant,round")
        planned.append(FolderFile(path, match["code"].upper(), int(match["round"] or 1)))
    if not planned:
        raise InvalidInput(f"{folder.name} holds no transcripts ({', '.join(TRANSCRIPT_SUFFIXES)})")
    return planned


def _check_unique(planned: list[FolderFile]) -> None:
    seen: dict[tuple[str, int], str] = {}
    for item in planned:
        key = (item.participant, item.round)
        if key in seen:
            raise InvalidInput(f"{seen[key]} and {item.path.name} are both {item.participant} round {item.round}")
        seen[key] = item.path.name


@dataclass(frozen=True)
class _StudyState:
    """What the study holds that a folder import must check first, read in one query."""

    people: frozenset[str]
    interviews: frozenset[tuple[str, int]]
    current_status: dict[tuple[str, int], str]  # the status of each interview's current transcript version
    maybe_withdrawn: frozenset[str]  # status withdrawn, or a consent record with a withdrawal date


def _state_statement():
    """Every participant's interviews, their current transcript's status and whether they might have
    withdrawn: a Core statement built once (an ORM select compiled afresh for each study cost more)."""
    participants, interviews = Participant.__table__, Interview.__table__
    transcripts, versions, consent = Transcript.__table__, TranscriptVersion.__table__, ConsentRecord.__table__
    maybe_withdrawn = or_(participants.c.status == "withdrawn", participants.c.id.in_(
        select(consent.c.participant_id).where(consent.c.withdrawn_on.is_not(None))))
    return (select(participants.c.code, interviews.c.round, versions.c.status, maybe_withdrawn)
            .select_from(participants.outerjoin(interviews, interviews.c.participant_id == participants.c.id)
                         .outerjoin(transcripts, transcripts.c.interview_id == interviews.c.id)
                         .outerjoin(versions, versions.c.id == transcripts.c.current_version_id))
            .where(participants.c.study_id == bindparam("study")))


_STATE = _state_statement()


def _study_state(study: OpenStudy) -> _StudyState:
    with study.read() as s:
        rows = s.connection().execute(_STATE, {"study": study.study_id}).all()
    return _StudyState(frozenset(code for code, *_ in rows),
                       frozenset((code, round_no) for code, round_no, *_ in rows if round_no is not None),
                       {(code, round_no): status for code, round_no, status, _ in rows if status is not None},
                       frozenset(code for code, _, _, withdrawn in rows if withdrawn))


def _missing_interviews(state: _StudyState, planned: list[FolderFile]) -> tuple[set[str], list[tuple[str, int]]]:
    wanted = sorted({(f.participant, f.round) for f in planned})
    people = {code for code, _ in wanted if code not in state.people}
    return people, [key for key in wanted if key not in state.interviews]


def _refuse_withdrawn(study: OpenStudy, state: _StudyState, codes: set[str]) -> None:
    """Refuse new data from a withdrawn participant; only those who might be are asked in full.

    Asking :func:`ensure_not_withdrawn` about every participant cost three queries each; one whose
    status is not withdrawn and who has no consent record with a withdrawal date cannot be.
    """
    from reverie.services.study.participants import ensure_not_withdrawn

    for code in sorted(codes & state.maybe_withdrawn):
        ensure_not_withdrawn(study, code)


def _check_free(state: _StudyState, planned: list[FolderFile], replace: bool) -> None:
    """Refuse, before anything is stored, a file whose interview has a locked transcript (or a draft,
    unless replacing)."""
    for item in planned:
        status = state.current_status.get((item.participant, item.round))
        if status == "locked":
            raise InvalidInput(f"{item.path.name}: {item.participant} round {item.round} has a locked transcript; "
                               "corrections make a new version with `reverie transcript correct`")
        if status is not None and not replace:
            raise InvalidInput(f"{item.path.name}: {item.participant} round {item.round} already has a draft "
                               "transcript; pass --replace to replace drafts")


def import_folder(study: OpenStudy, folder: Path | str, *, mapping: Path | str | None = None,
                  layout: str | None = None, width: int | None = None, notation: str | None = None,
                  transcriber: str | None = None, create: bool = False, replace: bool = False, batch: int = BATCH,
                  why: str = "") -> FolderImport:
    """Import every transcript in ``folder`` as a new draft of its interview; all files are read first."""
    with collection_paused():
        return _import_folder(study, Path(folder), mapping=mapping, layout=layout, width=width, notation=notation,
                              transcriber=transcriber, create=create, replace=replace, batch=batch, why=why)


def _import_folder(study: OpenStudy, folder: Path, *, mapping: Path | str | None, layout: str | None,
                   width: int | None, notation: str | None, transcriber: str | None, create: bool, replace: bool,
                   batch: int, why: str) -> FolderImport:
    from reverie.formats.transcripts import read_transcript
    from reverie.services.study.interviews import add_interview
    from reverie.services.study.participants import add_participant

    planned = plan_folder(folder, read_map(Path(mapping)) if mapping else None)
    _check_unique(planned)
    state = _study_state(study)
    new_people, new_interviews = _missing_interviews(state, planned)
    if new_interviews and not create:
        names = ", ".join(f"{code} round {round_no}" for code, round_no in new_interviews)
        raise InvalidInput(f"no interview for {names}; add them first, or pass --create to add them")
    _refuse_withdrawn(study, state, {f.participant for f in planned} - new_people)
    _check_free(state, planned, replace)
    defaults = study_transcript_defaults(study)
    checked = []
    for item in planned:
        parsed = read_transcript(item.path, participant_code=item.participant)
        new = plan_version(item.participant, item.round, parsed, layout=layout, width=width, notation=notation,
                           transcriber=transcriber, origin="import", source_name=item.path.name,
                           source_sha256=hashlib.sha256(item.path.read_bytes()).hexdigest(), study_defaults=defaults)
        # An imported layout can be refused for a file's numbering: find out now, before anything is stored.
        # Other layouts cannot fail, so their lines are made a batch at a time.
        checked.append((item, new.laid_out() if new.layout.mode == "imported" else new))
    imported: list[tuple[FolderFile, ImportResult]] = []
    created = [f"{code} round {round_no}" for code, round_no in new_interviews]
    for start in range(0, len(checked), batch):
        chunk = [(item, new.laid_out()) for item, new in checked[start:start + batch]]
        with study.write("transcript.import_batch", target=f"folder:{folder.name}", why=why,
                         payload={"files": [item.path.name for item, _ in chunk],
                                  "created": created if start == 0 else []}) as s:
            if start == 0:  # the interviews the folder needs are added with its first batch
                for code in sorted(new_people):
                    add_participant(study, code)
                for code, round_no in new_interviews:
                    add_interview(study, code, round_no)
            results = write_versions(s, study, [new for _, new in chunk], replace=replace)
            # The batch's rows went in together; each transcript is still its own event in its transaction.
            study.record_many([(new.action, new.target, {**new.payload(), "version": result.version_number})
                               for (_, new), result in zip(chunk, results)], why=why)
            imported.extend((item, result) for (item, _), result in zip(chunk, results))
    return FolderImport(tuple(imported), tuple(created))

