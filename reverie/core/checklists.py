"""Reporting checklists (COREQ, SRQR, GRIPP2 short form) filled from a study's records.

Journals ask for a completed checklist with every qualitative paper. Much of it can be read off
the records (how many participants, how long the interviews were, whether transcripts went back
to participants), some can be drafted for the researcher to confirm, and some is judgement
(METHOD.md §6–§7). Each item therefore carries a level, AUTO, ASSIST or MANUAL, and each fill a
status; an item the records cannot answer says ``MISSING`` and why, never an empty cell, because
a blank in a submitted checklist reads as "not done".

This module is pure: the services gather a :class:`StudyFacts` from the database, and
:func:`fill_checklists` turns it into fills.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from reverie.core.errors import InvalidInput

AUTO, ASSIST, MANUAL = "AUTO", "ASSIST", "MANUAL"
FILLED, CONFIRM, NEEDS_TEXT, MISSING = "filled", "needs confirming", "needs text", "MISSING"

FillValue = int | str | Mapping[str, str]


@dataclass(frozen=True)
class ChecklistItem:
    checklist: str
    item_no: int
    topic: str
    level: str


@dataclass(frozen=True)
class ChecklistFill:
    """One answered item: ``value`` is what goes in the checklist, ``status`` what is left to do."""

    checklist: str
    item_no: int
    topic: str
    level: str
    value: FillValue
    status: str

    @property
    def text(self) -> str:
        """The value as one line of text, for tables ("R1: 45–80 min; R2: 25–45 min")."""
        if isinstance(self.value, Mapping):
            return "; ".join(f"{key}: {value}" for key, value in self.value.items())
        return str(self.value)


def _items(checklist: str, rows: tuple[tuple[str, str], ...]) -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(checklist, number, topic, level) for number, (topic, level) in enumerate(rows, 1))


# Item gists are paraphrased (METHOD.md §7.1, after Tong, Sainsbury & Craig 2007).
COREQ = _items("coreq", (
    ("Interviewer/facilitator", AUTO),
    ("Credentials", ASSIST),
    ("Occupation", ASSIST),
    ("Gender", ASSIST),
    ("Experience and training", ASSIST),
    ("Relationship established", AUTO),
    ("Participant knowledge of the interviewer", ASSIST),
    ("Interviewer characteristics", ASSIST),
    ("Methodological orientation and theory", ASSIST),
    ("Sampling", AUTO),
    ("Method of approach", AUTO),
    ("Sample size", AUTO),
    ("Non-participation", AUTO),
    ("Setting of data collection", AUTO),
    ("Presence of non-participants", AUTO),
    ("Description of sample", AUTO),
    ("Interview guide", ASSIST),
    ("Repeat interviews", AUTO),
    ("Audio/visual recording", AUTO),
    ("Field notes", AUTO),
    ("Duration", AUTO),
    ("Data saturation", MANUAL),
    ("Transcripts returned", AUTO),
    ("Number of data coders", AUTO),
    ("Description of the coding tree", ASSIST),
    ("Derivation of themes", ASSIST),
    ("Software", AUTO),
    ("Participant checking", AUTO),
    ("Quotations presented", AUTO),
    ("Data and findings consistent", MANUAL),
    ("Clarity of major themes", MANUAL),
    ("Clarity of minor themes", MANUAL),
))

# METHOD.md §7.2 (after O'Brien et al. 2014). Items the method marks AUTO/ASSIST are ASSIST
# here: their drafts mix counts with prose that the researcher must confirm.
SRQR = _items("srqr", (
    ("Title", MANUAL),
    ("Abstract", MANUAL),
    ("Problem formulation", MANUAL),
    ("Purpose or research question", ASSIST),
    ("Qualitative approach and research paradigm", ASSIST),
    ("Researcher characteristics and reflexivity", ASSIST),
    ("Context", ASSIST),
    ("Sampling strategy", ASSIST),
    ("Ethical issues pertaining to human subjects", ASSIST),
    ("Data collection methods", ASSIST),
    ("Data collection instruments and technologies", AUTO),
    ("Units of study", AUTO),
    ("Data processing", AUTO),
    ("Data analysis", ASSIST),
    ("Techniques to enhance trustworthiness", ASSIST),
    ("Synthesis and interpretation", MANUAL),
    ("Links to empirical data", AUTO),
    ("Integration with prior work, implications, transferability", MANUAL),
    ("Limitations", MANUAL),
    ("Conflicts of interest", MANUAL),
    ("Funding", MANUAL),
))

# METHOD.md §6 (Staniszewska et al. 2017), for studies where involvement is not the main focus.
GRIPP2_SF = _items("gripp2", (
    ("Aim of involvement", MANUAL),
    ("Methods of involvement", ASSIST),
    ("Results of involvement", ASSIST),
    ("Discussion: extent of influence", ASSIST),
    ("Reflections", MANUAL),
))

CHECKLISTS: dict[str, tuple[ChecklistItem, ...]] = {"coreq": COREQ, "srqr": SRQR, "gripp2": GRIPP2_SF}
CHECKLIST_TITLES = {"coreq": "COREQ", "srqr": "SRQR", "gripp2": "GRIPP2 short form"}


def parse_checklist_name(name: str) -> str:
    """The checklist a researcher meant: "COREQ", "gripp2-sf" and "srqr" all work."""
    key = name.strip().lower().replace("-", "_").removesuffix("_sf")
    if key not in CHECKLISTS:
        raise InvalidInput(f"unknown checklist {name!r}; choose one of {', '.join(CHECKLISTS)}")
    return key


# --- facts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResearcherFacts:
    label: str
    roles: tuple[str, ...] = ()
    credentials: str = ""
    occupation: str = ""
    gender: str = ""
    experience_training: str = ""
    berger_position: str = ""
    statement: str = ""


@dataclass(frozen=True)
class RoundFacts:
    """One round of interviews; ``months_after_previous`` is the (least, most) gap per participant."""

    round: int
    interviews: int
    purposes: tuple[str, ...] = ()
    durations: tuple[float, ...] = ()
    transcribed: int = 0
    months_after_previous: tuple[int, int] | None = None
    # How each interview was recorded ("audio", "video", "notes"; "" when nobody recorded it).
    recorded: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultationFacts:
    kind: str
    held_on: date | None = None
    materials: int = 0
    dispositions: tuple[str, ...] = ()
    decisions: int = 0


@dataclass(frozen=True)
class PPIGroupFacts:
    label: str
    composition: str = ""
    stages: tuple[str, ...] = ()
    consultations: tuple[ConsultationFacts, ...] = ()


@dataclass(frozen=True)
class StudyFacts:
    """What the checklists and the methods paragraph need, gathered from a study's records.

    Per-participant and per-interview tuples hold one entry each (blank when not recorded) so
    the fills can say how many records lack a value, not only which values occur.
    """

    title: str = ""
    report_title: str = ""
    research_question: str = ""
    design: str = ""
    approaches: tuple[str, ...] = ()
    paradigm: str = ""
    setting: str = ""
    sites: tuple[str, ...] = ()
    sampling_strategy: str = ""
    inclusion_criteria: tuple[str, ...] = ()
    saturation_statement: str = ""
    researchers: tuple[ResearcherFacts, ...] = ()
    interviewers: tuple[str, ...] = ()
    participants: int = 0
    declined: int = 0
    withdrawn: int = 0
    non_participation_reasons: tuple[str, ...] = ()
    prior_relationships: tuple[str, ...] = ()
    prior_relationship_statement: str = ""
    recruitment_channels: tuple[str, ...] = ()
    recruitment_info: tuple[str, ...] = ()
    interviews_per_participant: tuple[int, ...] = ()
    location_types: tuple[str, ...] = ()
    others_present: tuple[str, ...] = ()
    recording_kinds: tuple[str, ...] = ()
    rounds: tuple[RoundFacts, ...] = ()
    transcripts: int = 0
    transcripts_returned: int = 0
    transcribers: tuple[str, ...] = ()
    transcribed_by: str = ""
    transcripts_returned_statement: str = ""
    themes_derivation: str = ""
    notation_profiles: tuple[str, ...] = ()
    redactions: int = 0
    log_entries_by_stage: Mapping[str, int] = field(default_factory=dict)
    ppi_log_entries: tuple[str, ...] = ()
    schedule_versions: int = 0
    schedule_pilot_tested: bool = False
    schedule_consultations: int = 0
    coders: tuple[str, ...] = ()
    codes: tuple[tuple[str, str], ...] = ()
    themes: tuple[tuple[str, str, str], ...] = ()
    themes_without_extracts: tuple[str, ...] = ()
    final_extracts: int = 0
    final_extracts_without_theme: int = 0
    memos: int = 0
    decisions: int = 0
    member_reflections: int = 0
    member_reflection_dispositions: tuple[str, ...] = ()
    citations: int = 0
    descriptor_field: str = "profession"
    table_columns: tuple[str, ...] = ()
    ethics: tuple[str, ...] = ()
    consent_records: int = 0
    quotes_refused: int = 0
    ppi_aim: str = ""
    ppi_approach: str = ""
    ppi_groups: tuple[PPIGroupFacts, ...] = ()
    software: str = "Reverie"


# --- filling ----------------------------------------------------------------------------------

Fill = tuple[FillValue, str]


def _filled(value: FillValue) -> Fill:
    return value, FILLED


def _confirm(text: str) -> Fill:
    return text, CONFIRM


def _missing(why: str) -> Fill:
    return f"MISSING: {why}", MISSING


def _needs_text(prompt: str, draft: str = "") -> Fill:
    """A MANUAL item: a stored statement to confirm, or the prompt for what to write."""
    return (draft, CONFIRM) if draft.strip() else (prompt, NEEDS_TEXT)


def _counted(values, *, missing_label: str = "not recorded") -> str:
    """Distinct values with counts when they differ: "workplace", or "workplace (4), home (1)"."""
    counts = Counter(v.strip() or missing_label for v in values)
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{value} ({n})" for value, n in counts.most_common())


def _distinct(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _span(low: float, high: float, unit: str = "") -> str:
    text = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    return f"{text} {unit}".strip()


def _n(count: int, word: str, plural: str = "") -> str:
    """A count with its noun in the right number: "1 theme", "2 themes", "0 reflexive log entries"."""
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _plain(word: str) -> str:
    return word.replace("_", " ")


def _researcher_field(facts: StudyFacts, attribute: str, what: str) -> Fill:
    interviewers = {label for label in facts.interviewers if label}
    people = [r for r in facts.researchers if not interviewers or r.label in interviewers]
    answers = [f"{r.label}: {getattr(r, attribute)}" for r in people if getattr(r, attribute).strip()]
    if not answers:
        return _missing(f"no {what} recorded in the interviewers' researcher profiles")
    return _confirm("; ".join(answers))


def _durations(facts: StudyFacts) -> dict[str, str]:
    return {f"R{r.round}": _span(min(r.durations), max(r.durations), "min") for r in facts.rounds if r.durations}


def _interviewer(f: StudyFacts) -> Fill:
    if not any(f.interviewers):
        return _missing("no interviewer recorded on any interview")
    counts = Counter(label or "not recorded" for label in f.interviewers)
    if len(counts) == 1:
        return _filled(f"{f.interviewers[0]} (all {len(f.interviewers)} interviews)")
    text = ", ".join(f"{label} ({n})" for label, n in counts.most_common())
    return (text, CONFIRM) if "not recorded" in counts else _filled(text)


def _repeat(f: StudyFacts) -> Fill:
    per = f.interviews_per_participant
    if not per:
        return _missing("no interviews recorded")
    each = _span(min(per), max(per))
    return _filled(f"{each} per participant ({sum(per)})")


def _returned(f: StudyFacts) -> Fill:
    # A transcript not marked as returned may simply not have been marked: "no" must be said by someone.
    if f.transcripts_returned:
        if f.transcripts_returned == f.transcripts:
            return _filled("yes")
        return _filled(f"{f.transcripts_returned} of {f.transcripts}")
    if f.transcripts_returned_statement:
        return _filled(f.transcripts_returned_statement)
    if not f.transcripts:
        return _missing("no transcripts recorded")
    return _missing("whether transcripts were returned to participants is not recorded (study facts)")


def _relationship(f: StudyFacts) -> Fill:
    recorded = _distinct(f.prior_relationships)
    statement = f.prior_relationship_statement.strip()
    if not recorded:
        if statement:
            return _filled(statement)
        if not f.prior_relationships and not f.participants:
            return _missing("no participants recorded")
        return _missing("no relationship before the study recorded, for the study or any participant")
    per = _counted(f.prior_relationships)
    unrecorded = sum(1 for value in f.prior_relationships if not value.strip())
    text = f"{statement} (per participant: {per})" if statement and statement != per else per
    return (text, CONFIRM) if unrecorded else _filled(text)


def _derivation(f: StudyFacts) -> Fill:
    if f.themes_derivation:
        return _confirm(f.themes_derivation)
    if not f.themes:
        return _missing("no themes recorded")
    # Every theme starts as "from data"; only a theme marked otherwise says something on its own.
    if any(origin != "from_data" for _, _, origin in f.themes):
        return _confirm(_counted(_plain(origin).replace("from data", "from the data") for _, _, origin in f.themes))
    return _missing("how the themes were derived is not recorded (study facts)")


def _field_notes(f: StudyFacts) -> Fill:
    total = sum(f.log_entries_by_stage.values())
    if not total:
        return _missing("no reflexive log entries recorded")
    stages = ", ".join(f"{stage} {n}" for stage, n in f.log_entries_by_stage.items() if n)
    return _filled(f"yes: {total} reflexive log entries ({stages})")


def _checking(f: StudyFacts) -> Fill:
    # Item 28 is about findings shown back to participants (member reflections), not item 23's transcripts.
    return _filled("yes" if f.member_reflections else "no")


def _coding_tree(f: StudyFacts) -> Fill:
    by_kind: dict[str, list[str]] = {}
    for kind, label in f.codes:
        by_kind.setdefault(kind, []).append(label)
    if not by_kind:
        return _missing("no codes recorded")
    return _confirm("; ".join(f"{_plain(kind)}s: {', '.join(labels)}" for kind, labels in by_kind.items()))


def _consistency(f: StudyFacts) -> Fill:
    if f.themes_without_extracts:
        which = "theme" if len(f.themes_without_extracts) == 1 else "themes"
        check = f"check: no extract cites {which} {', '.join(f.themes_without_extracts)}"
    else:
        check = "check: every theme cites at least one extract"
    return check, NEEDS_TEXT


def _major(f: StudyFacts) -> Fill:
    major = [label for label, kind, _ in f.themes if kind == "major"]
    check = (f"{_n(f.final_extracts_without_theme, 'final extract')} under no theme"
             if f.final_extracts_without_theme else "every final extract is under a theme")
    return f"{_n(len(major), 'major theme')}: {', '.join(major) or 'none'}; check: {check}", NEEDS_TEXT


def _minor(f: StudyFacts) -> Fill:
    minor = [label for label, kind, _ in f.themes if kind == "minor"]
    return (f"{_n(len(minor), 'minor theme')}{': ' + ', '.join(minor) if minor else ''}; describe diverse cases",
            NEEDS_TEXT)


def _schedule(f: StudyFacts) -> Fill:
    if not f.schedule_versions:
        return _missing("no interview schedule recorded")
    pilot = "pilot tested" if f.schedule_pilot_tested else "not pilot tested"
    consulted = (f", shaped by {_n(f.schedule_consultations, 'PPI design consultation')}"
                 if f.schedule_consultations else "")
    return _confirm(f"{_n(f.schedule_versions, 'schedule version')}, {pilot}{consulted}")


def _approaches(f: StudyFacts) -> Fill:
    if not f.approaches and not f.paradigm and not f.design:
        return _missing("no design, approaches or paradigm recorded for the study")
    parts = [f"design: {f.design}" if f.design else "", "; ".join(f.approaches),
             f"paradigm: {f.paradigm}" if f.paradigm else ""]
    return _confirm("; ".join(part for part in parts if part))


def _non_participation(f: StudyFacts) -> Fill:
    if not f.participants and not f.declined and not f.withdrawn:
        return _missing("no participants recorded")
    distinct_reasons = _distinct(f.non_participation_reasons)
    reasons = f"; reasons: {'; '.join(distinct_reasons)}" if distinct_reasons else ""
    return _filled(f"{f.declined} declined, {f.withdrawn} withdrew{reasons}")


def _optional_column(values, what: str) -> Fill:
    if not _distinct(values):
        return _missing(f"{what} not recorded for any interview")
    return _filled(_counted(values))


def _rounds_text(f: StudyFacts) -> str:
    parts = []
    for r in f.rounds:
        text = f"round {r.round}: {_n(r.interviews, 'interview')}"
        if r.durations:
            text += f", {_span(min(r.durations), max(r.durations), 'min')}"
        if r.months_after_previous:
            text += f", {_span(*r.months_after_previous, 'months')} after round {r.round - 1}"
        if r.transcribed < r.interviews:
            text += f", {r.interviews - r.transcribed} not transcribed"
        parts.append(text)
    return "; ".join(parts)


def _instruments(f: StudyFacts) -> Fill:
    parts = []
    if f.schedule_versions:
        parts.append(f"interview schedule ({_n(f.schedule_versions, 'version')})")
    if f.recording_kinds:
        parts.append(f"{', '.join(f.recording_kinds)} recording")
    if f.notation_profiles:
        parts.append(f"transcription notation: {', '.join(_plain(p) for p in f.notation_profiles)}")
    return _filled("; ".join(parts)) if parts else _missing("no schedule, recordings or transcripts recorded")


def _processing(f: StudyFacts) -> Fill:
    if not f.transcripts:
        return _missing("no transcripts recorded")
    who = f.transcribed_by or ", ".join(f.transcribers)
    text = (f"{_n(f.transcripts, 'transcript')} by {who or 'MISSING: who transcribed is not recorded'}; "
            f"notation: {', '.join(_plain(p) for p in f.notation_profiles)}; {_n(f.redactions, 'redaction')} logged")
    return _filled(text) if who else (text, MISSING)


def _trustworthiness(f: StudyFacts) -> Fill:
    ppi = sum(len(g.consultations) for g in f.ppi_groups)
    parts = [_n(f.member_reflections, "member reflection"), _n(ppi, "PPI consultation"),
             _n(sum(f.log_entries_by_stage.values()), "reflexive log entry", "reflexive log entries"),
             _n(f.decisions, "recorded decision")]
    if not (f.member_reflections or ppi or f.log_entries_by_stage or f.decisions):
        return _missing("no member reflections, consultations, log entries or decisions recorded")
    return _confirm("; ".join(parts))


def _limitations(f: StudyFacts) -> Fill:
    prompts = ["Describe the limitations"]
    if len(f.sites) <= 1 and f.setting:
        prompts.append(f"single setting ({f.setting})")
    untranscribed = [r.round for r in f.rounds if r.transcribed < r.interviews]
    if untranscribed:
        prompts.append(f"round {', '.join(map(str, untranscribed))} not transcribed")
    prompts.append("self-selection of participants")
    return "; ".join(prompts), NEEDS_TEXT


def _title(f: StudyFacts) -> Fill:
    title = f.report_title or f.title
    words = ("qualitative", "interview", "discourse", "narrative", "psychosocial", "thematic", "perspectives")
    lint = "" if any(w in title.lower() for w in words) else " (check: the title does not name the approach)"
    return f"{title}{lint}", NEEDS_TEXT


def _gripp_methods(f: StudyFacts) -> Fill:
    if not f.ppi_groups:
        return _missing("no PPI groups recorded")
    groups = []
    for g in f.ppi_groups:
        sessions = ", ".join(
            f"{_plain(c.kind.removeprefix('ppi_'))} {c.held_on or 'undated'} ({_n(c.materials, 'item')} shown)"
            for c in g.consultations) or "no consultations recorded"
        about = f" ({g.composition})" if g.composition else ""
        groups.append(f"{g.label}{about}: {sessions}")
    approach = f"{_plain(f.ppi_approach)}; " if f.ppi_approach else ""
    return _confirm(approach + "; ".join(groups))


def _gripp_results(f: StudyFacts) -> Fill:
    if not f.ppi_groups:
        return _missing("no PPI groups recorded")
    groups = []
    for g in f.ppi_groups:
        sessions = []
        for c in g.consultations:
            counted = Counter(c.dispositions)
            said = ", ".join(f"{n} {_plain(d)}" for d, n in counted.most_common()) or "no responses recorded"
            sessions.append(f"{_plain(c.kind.removeprefix('ppi_'))}: {said}")
        groups.append(f"{g.label}: {'; '.join(sessions) or 'no consultations recorded'}")
    return _confirm(". ".join(groups))


def _gripp_influence(f: StudyFacts) -> Fill:
    if not f.ppi_groups:
        return _missing("no PPI groups recorded")
    groups = []
    for g in f.ppi_groups:
        by_stage = ", ".join(f"{_plain(c.kind.removeprefix('ppi_'))} {c.decisions}" for c in g.consultations)
        total = sum(c.decisions for c in g.consultations)
        groups.append(f"{g.label}: {_n(total, 'decision')} evidenced by its responses "
                      f"({by_stage or 'no consultations'})")
    return _confirm("; ".join(groups))


def _count_or_missing(value: int, why: str) -> Fill:
    return _filled(value) if value else _missing(why)


def _text_or_missing(text: str, why: str) -> Fill:
    return _filled(text) if text.strip() else _missing(why)


RULES: dict[tuple[str, int], Callable[[StudyFacts], Fill]] = {
    ("coreq", 1): _interviewer,
    ("coreq", 2): lambda f: _researcher_field(f, "credentials", "credentials"),
    ("coreq", 3): lambda f: _researcher_field(f, "occupation", "occupation"),
    ("coreq", 4): lambda f: _researcher_field(f, "gender", "gender"),
    ("coreq", 5): lambda f: _researcher_field(f, "experience_training", "experience or training"),
    ("coreq", 6): _relationship,
    ("coreq", 7): lambda f: _confirm("; ".join(_distinct(f.recruitment_info))) if _distinct(f.recruitment_info)
    else _missing("no information given at recruitment recorded"),
    ("coreq", 8): lambda f: _confirm("; ".join(
        f"{r.label}: {_plain(r.berger_position)}{' — ' + r.statement if r.statement else ''}"
        for r in f.researchers if r.berger_position or r.statement))
    if any(r.berger_position or r.statement for r in f.researchers)
    else _missing("no researcher position or statement recorded"),
    ("coreq", 9): _approaches,
    ("coreq", 10): lambda f: _text_or_missing(f.sampling_strategy, "no sampling strategy recorded for the study"),
    ("coreq", 11): lambda f: _filled(_counted(f.recruitment_channels)) if _distinct(f.recruitment_channels)
    else _missing("no recruitment channel recorded"),
    ("coreq", 12): lambda f: _count_or_missing(f.participants, "no consented participants recorded"),
    ("coreq", 13): _non_participation,
    ("coreq", 14): lambda f: _optional_column(f.location_types, "location"),
    ("coreq", 15): lambda f: _optional_column(f.others_present, "presence of others"),
    ("coreq", 16): lambda f: _filled(f"Table 1: {', '.join(f.table_columns)} ({f.participants} participants)")
    if f.participants else _missing("no participants to describe"),
    ("coreq", 17): _schedule,
    ("coreq", 18): _repeat,
    ("coreq", 19): lambda f: _filled(", ".join(f.recording_kinds)) if f.recording_kinds
    else _missing("no recordings attached to any interview"),
    ("coreq", 20): _field_notes,
    ("coreq", 21): lambda f: _filled(_durations(f)) if _durations(f) else _missing("no interview durations recorded"),
    ("coreq", 22): lambda f: _needs_text("Say whether data saturation was discussed, and why", f.saturation_statement),
    ("coreq", 23): _returned,
    ("coreq", 24): lambda f: _count_or_missing(len(f.coders), "no codings or memos recorded"),
    ("coreq", 25): _coding_tree,
    ("coreq", 26): _derivation,
    ("coreq", 27): lambda f: _filled(f.software),
    ("coreq", 28): _checking,
    ("coreq", 29): lambda f: _filled(f"yes: participant code, {_plain(f.descriptor_field)} and line numbers")
    if f.citations else _missing("the report quotes no extracts"),
    ("coreq", 30): _consistency,
    ("coreq", 31): _major,
    ("coreq", 32): _minor,
    ("srqr", 1): _title,
    ("srqr", 2): lambda f: _needs_text("Write the abstract"),
    ("srqr", 3): lambda f: _needs_text("Describe the problem and its significance"),
    ("srqr", 4): lambda f: _confirm(f.research_question) if f.research_question.strip()
    else _missing("no research question recorded for the study"),
    ("srqr", 5): _approaches,
    ("srqr", 6): lambda f: _confirm("; ".join(
        f"{r.label}: {r.occupation or 'occupation not recorded'}, "
        f"{_plain(r.berger_position) or 'position not recorded'}"
        for r in f.researchers) + f"; {sum(f.log_entries_by_stage.values())} reflexive log entries")
    if f.researchers else _missing("no researcher profiles recorded"),
    ("srqr", 7): lambda f: _confirm("; ".join([f.setting, *f.sites]).strip("; ")) if f.setting or f.sites
    else _missing("no setting or sites recorded for the study"),
    ("srqr", 8): lambda f: _confirm(f"{f.sampling_strategy}; "
                                    f"inclusion: {'; '.join(f.inclusion_criteria) or 'MISSING'}; "
                                    f"n = {f.participants}") if f.sampling_strategy
    else _missing("no sampling strategy recorded for the study"),
    ("srqr", 9): lambda f: _confirm(f"{'; '.join(f.ethics)}; {_n(f.consent_records, 'consent record')}, "
                                    f"{f.quotes_refused} refusing quotation") if f.ethics
    else _missing("no ethics approvals recorded"),
    ("srqr", 10): lambda f: _confirm(_rounds_text(f)) if f.rounds else _missing("no interviews recorded"),
    ("srqr", 11): _instruments,
    ("srqr", 12): lambda f: _filled(f"{f.participants} participants; Table 1: {', '.join(f.table_columns)}")
    if f.participants else _missing("no participants recorded"),
    ("srqr", 13): _processing,
    ("srqr", 14): lambda f: _confirm(f"{'; '.join(f.approaches) or 'approaches not recorded'}; "
                                     f"{_n(f.memos, 'analysis memo')}; {_n(len(f.coders), 'coder')}")
    if f.memos or f.coders
    else _missing("no memos or codings recorded"),
    ("srqr", 15): _trustworthiness,
    ("srqr", 16): lambda f: _needs_text("Interpret the themes: "
                                        f"{', '.join(t[0] for t in f.themes) or 'none recorded'}"),
    ("srqr", 17): lambda f: _filled(f"{_n(f.citations, 'cited quotation')}") if f.citations
    else _missing("the report quotes no extracts"),
    ("srqr", 18): lambda f: _needs_text("Relate the findings to earlier work and say how far they transfer"),
    ("srqr", 19): _limitations,
    ("srqr", 20): lambda f: _needs_text("State any conflicts of interest"),
    ("srqr", 21): lambda f: _needs_text("State the funding"),
    ("gripp2", 1): lambda f: _needs_text("State the aim of public involvement in the study", f.ppi_aim),
    ("gripp2", 2): _gripp_methods,
    ("gripp2", 3): _gripp_results,
    ("gripp2", 4): _gripp_influence,
    ("gripp2", 5): lambda f: _needs_text("Reflect on what went well and what did not",
                                         "; ".join(f.ppi_log_entries)),
}


def fill_checklist(name: str, facts: StudyFacts) -> list[ChecklistFill]:
    """Every item of one checklist, answered from ``facts`` or marked as needing work."""
    fills = []
    for item in CHECKLISTS[parse_checklist_name(name)]:
        value, status = RULES[(item.checklist, item.item_no)](facts)
        fills.append(ChecklistFill(item.checklist, item.item_no, item.topic, item.level, value, status))
    return fills


def fill_checklists(facts: StudyFacts) -> list[ChecklistFill]:
    """COREQ, SRQR and GRIPP2-SF, in that order, every item answered or marked as needing work."""
    return [fill for name in CHECKLISTS for fill in fill_checklist(name, facts)]
