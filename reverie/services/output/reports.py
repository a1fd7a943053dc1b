"""Reports with cited extracts, Table 1, a methods paragraph and reporting checklists.

Export is collect → format → write. :func:`collect_report` reads the records into a
:class:`ReportData` (deciding who may be quoted and what to warn about), a writer in
``reverie.formats.report_writers`` formats it, and :func:`write_report` checks the rendered
output against the pseudonym key, writes the file and records a ``Report`` row.

Short quotations in running text ("psychology or tablets" (P4. Line 527)) are not extracts: the
study keeps them as a setting, ``inline_quotes``, a list of ``{participant, line, quote}`` (with
an optional ``last_line``), set with :func:`set_inline_quotes`. They live with the study rather
than with one report because every draft of the paper quotes the same words, and each Report
row records the list it was made with.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.checklists import (
    ChecklistFill,
    ConsultationFacts,
    PPIGroupFacts,
    ResearcherFacts,
    RoundFacts,
    StudyFacts,
    fill_checklist,
    fill_checklists,
    parse_checklist_name,
)
from reverie.core.citation import CitationStyle, cite_block, cite_inline
from reverie.core.errors import InvalidInput
from reverie.core.ranges import format_range
from reverie.core.reportmodel import (
    InlineQuote,
    QuotedExtract,
    ReportData,
    Table,
    ThemeSection,
    forbidden_hits,
    methods_paragraph,
    notation_key_for,
    table_identifiability_warnings,
)
from reverie.formats.report_writers import rendered_text, report_body_html, report_format
from reverie.services.analysis.extracts import display_text_problems
from reverie.services.study.context import OpenStudy
from reverie.services.study.participants import (
    TABLE_COLUMNS,
    ConsentStatus,
    consent_status,
    find_participant,
)
from reverie.store.files import stage_file
from reverie.store.models import (
    Code,
    Coding,
    ConsentRecord,
    Consultation,
    Decision,
    EthicsApproval,
    Extract,
    Interview,
    InterviewSchedule,
    Memo,
    MemoVersion,
    Participant,
    PPIGroup,
    Recording,
    RecruitmentRecord,
    Redaction,
    ReflexiveEntry,
    Report,
    ResearcherProfile,
    Study,
    Theme,
    Transcript,
    TranscriptLine,
    TranscriptVersion,
)


@dataclass(frozen=True)
class ReportResult:
    path: Path | None  # None when the report was made for a download only
    report_id: int
    version: int
    citations: tuple[str, ...]
    warnings: tuple[str, ...]
    omissions: tuple[str, ...]
    content: bytes


def software() -> str:
    """The software line of COREQ 27: this workbench and its version."""
    try:
        return f"Reverie {metadata.version('reverie')}"
    except metadata.PackageNotFoundError:
        return "Reverie"


# --- inline quotes -----------------------------------------------------------------------------

def set_inline_quotes(study: OpenStudy, quotes: list[dict[str, Any]], *, why: str = "") -> None:
    """Store the short quotations cited in running text: ``[{participant, line, quote}]``."""
    cleaned = []
    for index, quote in enumerate(quotes, 1):
        unknown = set(quote) - {"participant", "line", "last_line", "quote"}
        if unknown or not str(quote.get("participant", "")).strip() or not str(quote.get("quote", "")).strip():
            raise InvalidInput(f"inline quote {index} needs participant, line and quote (and may have last_line)")
        line, last = quote.get("line"), quote.get("last_line", quote.get("line"))
        if not isinstance(line, int) or not isinstance(last, int) or line < 1 or last < line:
            raise InvalidInput(f"inline quote {index}: line numbers must be whole numbers, last not before first")
        cleaned.append({"participant": quote["participant"], "line": line, "last_line": last, "quote": quote["quote"]})
    with study.write("report.inline_quotes", target=f"study:{study.study_id}", why=why,
                     payload={"quotes": cleaned}) as s:
        record = s.get(Study, study.study_id)
        stored = (record.settings or {}).get("inline_quotes", [])
        for quote in cleaned:
            participant = find_participant(s, study, quote["participant"])
            # A new quotation must cite lines that exist; one already stored keeps its place even if
            # its lines went since (the report's checks flag it), so removing another still works.
            if quote not in stored and _line_texts(s, participant.id, quote["line"], quote["last_line"]) is None:
                lines = f"lines {format_range(quote['line'], quote['last_line'])}" \
                    if quote["last_line"] > quote["line"] else f"line {quote['line']}"
                raise InvalidInput(f"{quote['participant']} has no transcript with {lines}: "
                                   "check the first line against the reader")
        record.settings = {**(record.settings or {}), "inline_quotes": cleaned}


def inline_quotes(study: OpenStudy) -> list[dict[str, Any]]:
    """The short quotations stored for running text, in order, each ``{participant, line, last_line, quote}``."""
    with study.read() as s:
        record = s.get(Study, study.study_id)
        return [dict(quote) for quote in (record.settings or {}).get("inline_quotes", [])]


def _line_texts(session, participant_id: int, first: int, last: int) -> list[str] | None:
    """The text of lines first..last in one of the participant's current transcripts, or None."""
    versions = session.execute(select(Transcript.current_version_id).join(
        Interview, Interview.id == Transcript.interview_id).where(
        Interview.participant_id == participant_id, Transcript.current_version_id.is_not(None))
        .order_by(Interview.round)).scalars().all()
    for version_id in versions:
        rows = session.execute(select(TranscriptLine.text).where(
            TranscriptLine.version_id == version_id, TranscriptLine.number >= first,
            TranscriptLine.number <= last).order_by(TranscriptLine.number)).scalars().all()
        if len(rows) == last - first + 1:
            return list(rows)
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


# --- collecting --------------------------------------------------------------------------------

def _descriptor(participant: Participant, field: str) -> str:
    value = getattr(participant, field, None) if field in Participant.__table__.columns.keys() else None
    if value is None:
        value = (participant.attributes or {}).get(field, "")
    return str(value or "")


def withheld_reason(code: str, consent: ConsentStatus) -> str | None:
    """Why a participant's words may not be quoted, or None when they may."""
    if consent.withdrawn and not consent.keep_data_collected:
        return f"{code} withdrew from the study and asked for their data not to be used"
    if not consent.quotes_allowed:
        return f"{code} did not agree to be quoted"
    return None


def _uses_data(participant: Participant, consent: ConsentStatus) -> bool:
    if participant.status in ("invited", "declined"):
        return False
    return not (consent.withdrawn and not consent.keep_data_collected)


def collect_report(study: OpenStudy, *, title: str | None = None, checklists: bool = True) -> ReportData:
    """Everything a report shows, read from the records, with consent honoured and risks flagged."""
    data = _collect(study, title=title)[0]
    return data if checklists else replace(data, checklists=())


def _collect(study: OpenStudy, *, title: str | None) -> tuple[ReportData, StudyFacts, dict[str, int]]:
    with study.read() as s:
        record = s.get(Study, study.study_id)
        style = CitationStyle(**(record.citation_style or {}))
        people = s.execute(select(Participant).where(Participant.study_id == study.study_id)
                           .order_by(Participant.id)).scalars().all()
        consents = {p.id: consent_status(study, p.code) for p in people}
        used = [p for p in people if _uses_data(p, consents[p.id])]
        table = Table(tuple(t for t, _ in TABLE_COLUMNS),
                      tuple(tuple(str(getattr(p, attr) or "") for _, attr in TABLE_COLUMNS) for p in used))
        themes, omissions, numbering, warnings, shown = _themes(s, study, style, {p.id: p for p in people},
                                                               consents)
        inline, inline_notes, inline_warnings = _inline_quotes(s, record.settings or {}, style, people, consents)
        quoted = {e.participant for t in themes for e in t.extracts} | {q.participant for q in inline}
        descriptor_column = next((t for t, attr in TABLE_COLUMNS if attr == style.descriptor_field), "")
        if not descriptor_column:  # a descriptor Table 1 does not show is still printed beside every quote
            table_warnings = table_identifiability_warnings(
                Table(("Participant", style.descriptor_field), tuple(
                    (p.code, _descriptor(p, style.descriptor_field)) for p in used)),
                style.descriptor_field, style.descriptor_field, quoted) + table_identifiability_warnings(
                    table, "", style.descriptor_field, quoted)
        else:
            table_warnings = table_identifiability_warnings(table, descriptor_column, style.descriptor_field, quoted)
        warnings = [*table_warnings, *warnings, *inline_warnings, *display_text_problems(study, status="final")]
        facts = _gather_facts(s, study, record, people, consents, used)
        author = _author(s, study, record)
    title = title or record.title
    facts = replace(facts, report_title=title, citations=sum(len(t.extracts) for t in themes) + len(inline),
                    descriptor_field=style.descriptor_field, table_columns=table.columns)
    settings_facts = (record.settings or {}).get("facts", {})
    data = ReportData(
        title=title, table1=table, notation_key=notation_key_for((profile, text) for profile, text, _ in shown),
        methods=methods_paragraph(facts),
        themes=tuple(themes), inline_quotes=tuple(inline), checklists=tuple(fill_checklists(facts)),
        warnings=tuple(warnings), omissions=tuple(omissions + inline_notes), author=author,
        page_size=settings_facts.get("page_size") or "A4",
        extract_handles=tuple((numbering[handle], handle, where) for _, _, (handle, where) in shown),
    )
    return data, facts, numbering


def _author(s, study: OpenStudy, record: Study) -> str:
    """Who wrote the report: the researcher profile of the study's identity, else its first named researcher."""
    identity = (record.settings or {}).get("identity", {})
    profiles = s.execute(select(ResearcherProfile).where(ResearcherProfile.study_id == study.study_id)
                         .order_by(ResearcherProfile.id)).scalars().all()
    own = next((p.name for p in profiles if p.label == identity.get("initials") and p.name.strip()), "")
    return own or next((p.name for p in profiles if p.name.strip()), "") or str(identity.get("name", ""))


def _themes(s, study: OpenStudy, style: CitationStyle, by_id, consents):
    """Themes in order, final extracts numbered by first appearance, left-out extracts noted in place."""
    themes, omissions, warnings = [], [], []
    numbering: dict[str, int] = {}
    shown: list[tuple[str, str, tuple[str, str]]] = []  # (notation profile, text shown, (E-handle, where from))
    theme_rows = s.execute(select(Theme).where(Theme.study_id == study.study_id)
                           .order_by(Theme.position, Theme.id)).scalars().all()
    for theme in theme_rows:
        extracts = s.execute(select(Extract).where(Extract.theme_id == theme.id, Extract.status == "final")
                             .order_by(Extract.theme_position, Extract.handle_no)).scalars().all()
        quoted, notes = [], []
        for extract in extracts:
            participant = by_id[extract.participant_id]
            reason = withheld_reason(participant.code, consents[participant.id])
            if reason is not None:
                lines = format_range(extract.start_line, extract.end_line, style.range_style, style.dash)
                note = f"An extract from {participant.code} (lines {lines}) is left out here: {reason}."
                notes.append(note)
                omissions.append(f"{theme.label}: {note}")
                continue
            number = len(numbering) + 1
            numbering[f"E{extract.handle_no}"] = number
            citation = cite_block(number, participant.code, _descriptor(participant, style.descriptor_field),
                                  extract.start_line, extract.end_line, style)
            text = extract.display_text or extract.text_snapshot
            quoted.append(QuotedExtract(number, citation, text, participant.code))
            lines = format_range(extract.start_line, extract.end_line, style.range_style, style.dash)
            shown.append((_profile_of(s, extract.version_id), text,
                          (f"E{extract.handle_no}", f"{participant.code}, lines {lines}")))
        themes.append(ThemeSection(theme.label, theme.dimension, theme.description, tuple(quoted), tuple(notes)))
    stray = s.execute(select(Extract.handle_no).where(Extract.study_id == study.study_id, Extract.status == "final",
                                                      Extract.theme_id.is_(None))).scalars().all()
    warnings += [f"E{handle} is final but under no theme, so the report leaves it out" for handle in stray]
    return themes, omissions, numbering, warnings, shown


def _profile_of(s, version_id: int) -> str:
    version = s.get(TranscriptVersion, version_id)
    transcript = s.get(Transcript, version.transcript_id)
    return transcript.notation_profile


def _inline_quotes(s, settings: dict, style: CitationStyle, people, consents):
    by_code = {p.code: p for p in people}
    quotes, notes, warnings = [], [], []
    for entry in settings.get("inline_quotes", []):
        code, first = entry["participant"], entry["line"]
        last = entry.get("last_line", first)
        participant = by_code.get(code)
        if participant is None:
            warnings.append(f"inline quote from unknown participant {code!r} is left out")
            continue
        reason = withheld_reason(code, consents[participant.id])
        if reason is not None:
            notes.append(f"A short quotation from {code} is left out: {reason}.")
            continue
        lines = _line_texts(s, participant.id, first, last)
        if lines is None:
            warnings.append(f"{code} has no transcript lines {first}-{last}; check the quotation "
                            f"'{entry['quote']}'")
        elif _squash(entry["quote"]) not in _squash(" ".join(lines)):
            warnings.append(f"'{entry['quote']}' is not found in {code} lines {first}-{last}; check the citation")
        quotes.append(InlineQuote(entry["quote"], cite_inline(code, first, last, style), code))
    return quotes, notes, warnings


def report_preview(study: OpenStudy) -> tuple[ReportData, str]:
    """The report as the page previews it: its data, and the HTML body the .html file holds (escaped)."""
    data = collect_report(study, checklists=False)
    return data, "\n".join(report_body_html(data))


def study_facts(study: OpenStudy) -> StudyFacts:
    """The facts the checklists and the methods paragraph are computed from."""
    return _collect(study, title=None)[1]


def checklist(study: OpenStudy, name: str) -> list[ChecklistFill]:
    """One checklist (coreq, srqr or gripp2) filled from the study's records."""
    return fill_checklist(parse_checklist_name(name), study_facts(study))


def checklist_text(study: OpenStudy, name: str, fmt: str = "md") -> str:
    """One checklist filled from the records, as Markdown or CSV text."""
    from reverie.formats.report_writers import render_checklist

    return render_checklist(checklist(study, name), fmt)


# --- writing -----------------------------------------------------------------------------------

def refuse_forbidden(payload: bytes, fmt: str, terms: Iterable[str], what: str) -> None:
    """Refuse output holding any term of the pseudonym key (names, workplaces), without echoing it."""
    _refuse_terms_in(lambda: rendered_text(payload, fmt), terms, what)


def _refuse_terms_in(text: Callable[[], str], terms: Iterable[str], what: str) -> None:
    terms = list(terms)
    if not terms:
        return
    hits = forbidden_hits(text(), terms)
    if hits:
        raise InvalidInput(
            f"{len(hits)} term(s) from the pseudonym key (number {', '.join(map(str, hits))} in the list) "
            f"appear in the {what}; nothing was written. Redact them in the transcript or extract and try again"
        )


def write_report(study: OpenStudy, path: Path | str | None, fmt: str, *, title: str | None = None,
                 checklists: bool = False, forbidden_terms: Iterable[str] = ()) -> ReportResult:
    """Write the report (docx, md, html or a plugin's format) and record it; refuse if a key term appears in it.

    With ``path`` None nothing is written to disk: the report is recorded and its bytes returned
    (``content``) for a download, which is how an encrypted study's web workbench serves it.
    """
    writer = report_format(fmt)
    path = Path(path) if path is not None else None
    name = path.name if path is not None else None
    data, _facts, numbering = _collect(study, title=title)
    shown = data if checklists else replace(data, checklists=())
    payload = writer.render(shown)
    _refuse_terms_in(lambda: writer.text(payload), forbidden_terms, "report")
    settings = {"file": name, "with_checklists": checklists, "warnings": list(data.warnings),
                "omissions": list(data.omissions), "citations": data.citations, "author": data.author,
                "page_size": data.page_size}
    # The file is complete before the transaction and in place only if it commits: a refused or
    # failed report never leaves half a file, and the audit trail never names a file that is not there.
    with (stage_file(path, payload) if path is not None else nullcontext()) as staged, study.write(
            "report.write", target=f"study:{study.study_id}",
            payload={"format": fmt, "file": name, "citations": len(data.citations)}) as s:
        record = s.get(Study, study.study_id)
        settings["inline_quotes"] = list((record.settings or {}).get("inline_quotes", []))
        settings["citation_style"] = dict(record.citation_style or {})
        version = (s.execute(select(func.max(Report.version)).where(Report.study_id == study.study_id))
                   .scalar() or 0) + 1
        report = Report(study_id=study.study_id, version=version, title=data.title, format=fmt,
                        extract_numbering=numbering, checklist_fills=[asdict(f) for f in data.checklists],
                        settings=settings, created_by=study.actor)
        s.add(report)
        if staged is not None:
            staged.commit_with(s)
    return ReportResult(path, report.id, version, tuple(data.citations), data.warnings, data.omissions, payload)


def reports(study: OpenStudy) -> list[Report]:
    """Every report generated for the study, oldest first."""
    with study.read() as s:
        return list(s.execute(select(Report).where(Report.study_id == study.study_id)
                              .order_by(Report.version)).scalars())


# --- facts for checklists and the methods paragraph --------------------------------------------

def _months_between(earlier: date, later: date) -> int:
    """Whole calendar months from one interview to the next, as researchers count "3 months later"."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)


def _rounds(interviews: list[Interview], transcribed: set[int],
            recorded: dict[int, str] | None = None) -> tuple[RoundFacts, ...]:
    dates: dict[tuple[int, int], date] = {(i.participant_id, i.round): i.held_on for i in interviews if i.held_on}
    rounds = []
    for number in sorted({i.round for i in interviews}):
        these = [i for i in interviews if i.round == number]
        gaps = [_months_between(dates[(i.participant_id, number - 1)], i.held_on) for i in these
                if i.held_on and (i.participant_id, number - 1) in dates]
        rounds.append(RoundFacts(
            round=number, interviews=len(these), purposes=tuple(sorted({i.purpose for i in these})),
            durations=tuple(i.duration_min for i in these if i.duration_min is not None),
            transcribed=sum(1 for i in these if i.id in transcribed),
            months_after_previous=(min(gaps), max(gaps)) if gaps else None,
            recorded=tuple((recorded or {}).get(i.id, "") for i in these),
        ))
    return tuple(rounds)


def _how_recorded(s, interviews: list[Interview], consultations: list[Consultation]) -> dict[int, str]:
    """How each interview was kept: a recording's kind, else the member reflection's stated mode; absent if unknown."""
    kinds: dict[int, str] = {}
    for interview_id, kind in s.execute(select(Recording.interview_id, Recording.kind).where(
            Recording.interview_id.in_([i.id for i in interviews])).order_by(Recording.id)):
        kinds.setdefault(interview_id, kind)
    for consultation in consultations:
        if consultation.interview_id is not None and consultation.interview_id not in kinds:
            mode = consultation.recording
            kinds[consultation.interview_id] = "notes" if mode == "notes_only" else mode
    return kinds


def _ppi_groups(s, study: OpenStudy, consultations: list[Consultation], evidence: Counter) -> tuple[PPIGroupFacts, ...]:
    groups = []
    for group in s.execute(select(PPIGroup).where(PPIGroup.study_id == study.study_id)
                           .order_by(PPIGroup.id)).scalars():
        sessions = tuple(
            ConsultationFacts(kind=c.kind, held_on=c.held_on, materials=len(c.materials),
                              dispositions=tuple(r.disposition for r in c.responses),
                              decisions=sum(evidence[r.id] for r in c.responses))
            for c in consultations if c.group_id == group.id)
        groups.append(PPIGroupFacts(group.label, group.composition_summary, tuple(group.stages or ()), sessions))
    return tuple(groups)


def _coders(s, study: OpenStudy) -> tuple[str, ...]:
    coders = s.execute(select(Coding.coder).join(Code, Code.id == Coding.code_id)
                       .where(Code.study_id == study.study_id).distinct()).scalars().all()
    authors = s.execute(select(MemoVersion.created_by).join(Memo, Memo.id == MemoVersion.memo_id)
                        .where(Memo.study_id == study.study_id).distinct()).scalars().all()
    return tuple(sorted({c for c in [*coders, *authors] if c}))


def _gather_facts(s, study: OpenStudy, record: Study, people: list[Participant],
                  consents: dict[int, ConsentStatus], used: list[Participant]) -> StudyFacts:
    """Read every record the checklists draw on, counting only participants whose data are used."""
    ids = [p.id for p in used]
    interviews = s.execute(select(Interview).where(Interview.participant_id.in_(ids))
                           .order_by(Interview.participant_id, Interview.round)).scalars().all()
    researchers = s.execute(select(ResearcherProfile).where(ResearcherProfile.study_id == study.study_id)
                            .order_by(ResearcherProfile.id)).scalars().all()
    labels = {r.id: r.label for r in researchers}
    transcripts = s.execute(select(Transcript).where(Transcript.interview_id.in_([i.id for i in interviews]))
                            ).scalars().all()
    versions = [s.get(TranscriptVersion, t.current_version_id) for t in transcripts if t.current_version_id]
    consultations = s.execute(select(Consultation).where(Consultation.study_id == study.study_id)
                              .order_by(Consultation.held_on, Consultation.id)).scalars().all()
    decisions = s.execute(select(Decision).where(Decision.study_id == study.study_id)).scalars().all()
    evidence = Counter(ref.get("id") for d in decisions for ref in (d.evidence_refs or [])
                       if isinstance(ref, dict) and ref.get("kind") == "response")
    entries = s.execute(select(ReflexiveEntry).where(ReflexiveEntry.study_id == study.study_id,
                                                     ReflexiveEntry.superseded.is_(False))).scalars().all()
    stages = Counter(e.stage for e in entries)
    schedules = s.execute(select(InterviewSchedule).where(InterviewSchedule.study_id == study.study_id)).scalars().all()
    themes = s.execute(select(Theme).where(Theme.study_id == study.study_id).order_by(Theme.position)).scalars().all()
    finals = s.execute(select(Extract).where(Extract.study_id == study.study_id, Extract.status == "final")
                       ).scalars().all()
    records = s.execute(select(RecruitmentRecord).where(RecruitmentRecord.participant_id.in_(
        select(Participant.id).where(Participant.study_id == study.study_id)))).scalars().all()
    member = [c for c in consultations if c.kind == "member_reflection"]
    plan = record.ppi_plan or {}
    told = (record.settings or {}).get("facts", {})  # facts recorded on the study facts page
    return StudyFacts(
        title=record.title, research_question=record.research_question, approaches=tuple(record.approaches or ()),
        paradigm=record.paradigm, setting=record.setting, sites=tuple(record.sites or ()),
        sampling_strategy=record.sampling_strategy, inclusion_criteria=tuple(record.inclusion_criteria or ()),
        saturation_statement=record.saturation_statement,
        researchers=tuple(ResearcherFacts(r.label, tuple(r.roles or ()), r.credentials, r.occupation, r.gender,
                                          r.experience_training, r.berger_position, r.statement) for r in researchers),
        interviewers=tuple(labels.get(i.interviewer_id, "") for i in interviews),
        # A participant who withdrew but let their data be kept took part: Table 1 lists them, so
        # the Method and COREQ count them too (COREQ 13 says they withdrew).
        participants=len(used),
        declined=sum(1 for p in people if p.status == "declined"),
        withdrawn=sum(1 for c in consents.values() if c.withdrawn),
        non_participation_reasons=tuple(r.reason_declined for r in records if r.reason_declined),
        prior_relationships=tuple(p.prior_relationship or "" for p in used),
        recruitment_channels=tuple(p.recruitment_channel or "" for p in used),
        recruitment_info=tuple(r.info_given for r in records if r.participant_id in ids),
        interviews_per_participant=tuple(sum(1 for i in interviews if i.participant_id == p.id) for p in used
                                         if any(i.participant_id == p.id for i in interviews)),
        location_types=tuple(i.location_type or "" for i in interviews),
        others_present=tuple(i.others_present or "" for i in interviews),
        recording_kinds=tuple(s.execute(select(Recording.kind).where(Recording.interview_id.in_(
            [i.id for i in interviews])).distinct().order_by(Recording.kind)).scalars()),
        rounds=_rounds(interviews, {t.interview_id for t in transcripts if t.current_version_id},
                       _how_recorded(s, interviews, consultations)),
        transcripts=len(versions), transcripts_returned=sum(1 for t in transcripts if t.returned_to_participant),
        transcribers=tuple(sorted({v.transcriber for v in versions if v.transcriber})),
        transcribed_by=str(told.get("transcribed_by", "")),
        transcripts_returned_statement=str(told.get("transcripts_returned", "")),
        themes_derivation=str(told.get("themes_derivation", "")),
        design=str(told.get("design", "")),
        prior_relationship_statement=str(told.get("prior_relationship", "")),
        notation_profiles=tuple(sorted({t.notation_profile for t in transcripts})),
        redactions=s.execute(select(func.count(Redaction.id)).where(Redaction.version_id.in_(
            [v.id for v in versions]))).scalar() or 0,
        log_entries_by_stage={stage: stages[stage] for stage in vocab.LOG_STAGES if stages[stage]},
        ppi_log_entries=tuple(" ".join(str(v) for v in (e.parts or {}).values() if v) for e in entries
                              if "ppi" in (e.tags or [])),
        schedule_versions=len(schedules), schedule_pilot_tested=any(x.pilot_tested for x in schedules),
        schedule_consultations=sum(1 for c in consultations if c.kind == "ppi_design"),
        coders=_coders(s, study),
        codes=tuple((c.kind, c.label) for c in s.execute(select(Code).where(
            Code.study_id == study.study_id, Code.status == "active").order_by(Code.id)).scalars()),
        themes=tuple((t.label, t.kind, t.origin) for t in themes),
        themes_without_extracts=tuple(t.label for t in themes if not any(e.theme_id == t.id for e in finals)),
        final_extracts=len(finals), final_extracts_without_theme=sum(1 for e in finals if e.theme_id is None),
        memos=s.execute(select(func.count(Memo.id)).where(Memo.study_id == study.study_id)).scalar() or 0,
        decisions=len(decisions), member_reflections=len(member),
        member_reflection_dispositions=tuple(r.disposition for c in member for r in c.responses),
        ethics=tuple(f"{a.body} {a.reference}".strip() for a in s.execute(select(EthicsApproval).where(
            EthicsApproval.study_id == study.study_id).order_by(EthicsApproval.id)).scalars()),
        consent_records=s.execute(select(func.count(ConsentRecord.id)).where(
            ConsentRecord.participant_id.in_(ids))).scalar() or 0,
        quotes_refused=sum(1 for p in used if not consents[p.id].quotes_allowed),
        ppi_aim=str(plan.get("aim", "")), ppi_approach=str(plan.get("approach", "")),
        ppi_groups=_ppi_groups(s, study, consultations, evidence), software=software(),
    )

