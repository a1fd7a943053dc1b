"""What a report and a review packet hold, and the pure checks made before either is written.

A report is collected from the records into a :class:`ReportData`, then formatted (Word,
Markdown, HTML) by an adapter that sees nothing else. Keeping the content in one plain value
means every format says the same thing, and the checks that protect participants (who may be
quoted, who a descriptor singles out, whether a name from the pseudonym key slipped in) run once,
on data, not three times on markup.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reverie.core.checklists import ChecklistFill, StudyFacts


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class QuotedExtract:
    """An extract as the report shows it: numbered by first appearance, cited, attributed."""

    number: int
    citation: str
    display_text: str
    participant: str


@dataclass(frozen=True)
class ThemeSection:
    """A theme with its extracts in order; ``omissions`` say where an extract was left out and why."""

    label: str
    dimension: str
    description: str
    extracts: tuple[QuotedExtract, ...]
    omissions: tuple[str, ...] = ()


@dataclass(frozen=True)
class InlineQuote:
    """A few words quoted in running text, e.g. "psychology or tablets" (P4. Line 527)."""

    quote: str
    citation: str
    participant: str


@dataclass(frozen=True)
class ReportData:
    title: str
    table1: Table
    notation_key: tuple[tuple[str, str], ...]
    methods: tuple[str, ...]
    themes: tuple[ThemeSection, ...]
    inline_quotes: tuple[InlineQuote, ...]
    checklists: tuple[ChecklistFill, ...]
    warnings: tuple[str, ...]
    omissions: tuple[str, ...]
    author: str = ""
    page_size: str = "A4"
    # (report number, E-handle, where from): the appendix that maps the paper's numbers to the records.
    extract_handles: tuple[tuple[int, str, str], ...] = ()

    @property
    def citations(self) -> list[str]:
        """Every citation the report prints: block citations in order, then inline ones."""
        return [e.citation for t in self.themes for e in t.extracts] + [q.citation for q in self.inline_quotes]


@dataclass(frozen=True)
class PacketItem:
    """One thing shown at a consultation: an extract with its plain-language analysis, or schedule questions."""

    heading: str
    quote: str = ""
    citation: str = ""
    analysis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Packet:
    """A review packet for one participant (member reflection) or one PPI group, and nobody else."""

    title: str
    audience: str
    introduction: str
    questions: str
    items: tuple[PacketItem, ...]
    omissions: tuple[str, ...] = ()


# --- notation key ------------------------------------------------------------------------------

# The key printed under a paper's extracts; marks follow METHOD.md §8.1 for each profile.
NOTATION_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "verbatim_health": (
        ("…", "pause (not timed)"),
        ("i-i-it, wa-", "false start, stutter or cut-off word"),
        ("um, umm", "filler, kept as spoken"),
        ("[word]", "words added to clarify, or replacing identifying details"),
        ("(laughs)", "non-verbal sound or action"),
        ("[inaudible 00:16:05]", "inaudible talk, with its time in the recording"),
        ('"…"', "reported speech"),
    ),
    "jefferson_lite": (
        ("(0.5)", "timed silence in seconds"),
        ("(.)", "micropause"),
        ("[ ]", "start and end of overlapping talk"),
        ("=", "latching: no gap between turns"),
        ("wo:rd", "stretched sound"),
        ("wor-", "cut-off"),
        ("WORD", "louder than the surrounding talk"),
        ("°word°", "quieter than the surrounding talk"),
        (">word< <word>", "faster / slower talk"),
        (".hh hh", "in-breath / out-breath"),
        ("((coughs))", "transcriber's description"),
    ),
}


# Editing marks a researcher adds to a displayed extract, whatever the transcript's notation.
ELISION = ("[…]", "words left out of the extract")

# How each symbol of a key shows in text; a key lists only the symbols the quoted extracts use.
_CLARIFICATION = r"\[(?!…\]|\.\.\.\]|inaudible)[^\]\n]+\]"
_MARKS: dict[str, dict[str, str]] = {
    "verbatim_health": {
        "…": r"(?<!\[)(…|\.\.\.)(?!\])",
        "i-i-it, wa-": r"\b(\w+)-\1|\w-(?=[\s,.…]|$)",
        "um, umm": r"(?i)\b(um+|uh+|erm+|er)\b",
        "[word]": _CLARIFICATION,
        "(laughs)": r"\([a-z][^)\n]*\)",
        "[inaudible 00:16:05]": r"\[inaudible[^\]]*\]",
        '"…"': r'["“”]',
    },
    "jefferson_lite": {
        "(0.5)": r"\(\d+(\.\d+)?\)",
        "(.)": r"\(\.\)",
        "[ ]": r"\[(?!…\])[^\]\n]*\]",
        "=": r"=",
        "wo:rd": r"\w:+",
        "wor-": r"\w-(?=[\s,.]|$)",
        "WORD": r"\b(?!I\b)[A-Z]{2,}\b",
        "°word°": r"°",
        ">word< <word>": r">[^<\n]+<|<[^>\n]+>",
        ".hh hh": r"(?<!\w)\.?hh+\b",
        "((coughs))": r"\(\([^)]+\)\)",
    },
}
_ELIDED = re.compile(r"\[(…|\.\.\.)\]")


def notation_key_for(quoted: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The key to the marks the quoted extracts actually use: ``quoted`` is (notation profile, text) pairs.

    A mark that no printed extract holds is left out, so the key under a paper explains its quotes
    and nothing else; an elision ("[…]") is keyed whatever the profile.
    """
    seen: dict[str, str] = {}
    quoted = list(quoted)
    if any(_ELIDED.search(text) for _, text in quoted):
        seen[ELISION[0]] = ELISION[1]
    for profile, text in quoted:
        meanings = dict(NOTATION_KEYS.get(profile, ()))
        for symbol, pattern in _MARKS.get(profile, {}).items():
            if symbol in meanings and re.search(pattern, _ELIDED.sub(" ", text)):
                seen.setdefault(symbol, meanings[symbol])
    return tuple(seen.items())


def notation_key(profiles: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The symbols used by the transcripts a report quotes, once each."""
    seen: dict[str, str] = {}
    for profile in profiles:
        for symbol, meaning in NOTATION_KEYS.get(profile, ()):
            seen.setdefault(symbol, meaning)
    return tuple(seen.items())


# --- methods paragraph -------------------------------------------------------------------------

MISSING_MARK = "MISSING"


def _span(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _recorded(kinds: Sequence[str], transcribed: int) -> str:
    """How a round's untranscribed interviews were kept, as the records say: audio, video or notes."""
    counts = Counter(kinds)
    said = {"audio": "audio recorded", "video": "video recorded", "notes": "recorded in notes"}
    parts = [f"{said[kind]}" if len(counts) == 1 else f"{n} {said[kind]}"
             for kind, n in counts.most_common() if kind in said]
    if counts.get(""):
        parts.append(f"how {'they were' if len(counts) == 1 else str(counts['']) + ' were'} recorded: "
                     f"{MISSING_MARK}")
    return (", ".join(parts) + ", not transcribed") if transcribed == 0 else ", ".join(parts)


def methods_paragraph(facts: StudyFacts) -> tuple[str, ...]:
    """Sentences stating the design as the records show it; a fact nobody recorded says MISSING."""
    interviews = sum(facts.interviews_per_participant)
    sentences = []
    design = facts.design or MISSING_MARK
    sentences.append(f"Design: {design}" + (f"; approach: {'; '.join(facts.approaches)}." if facts.approaches
                                             else "."))
    sampling = facts.sampling_strategy or MISSING_MARK
    criteria = f"; inclusion criteria: {'; '.join(facts.inclusion_criteria)}" if facts.inclusion_criteria else ""
    sentences.append(f"Sampling: {sampling}{criteria}.")
    setting = "; ".join(part for part in (facts.setting, *facts.sites) if part) or MISSING_MARK
    sentences.append(f"Setting: {setting}.")
    sentences.append(f"Ethics approval: {'; '.join(facts.ethics) or MISSING_MARK}.")
    sentences.append(f"{_count(facts.participants, 'participant')} took part in "
                     f"{_count(interviews, 'interview')} over {_count(len(facts.rounds), 'round')}.")
    for r in facts.rounds:
        text = f"Round {r.round}: {_count(r.interviews, 'interview')}"
        if r.durations:
            text += f" lasting {_span(min(r.durations), max(r.durations))} minutes"
        if r.months_after_previous:
            low, high = r.months_after_previous
            text += f", held {_span(low, high)} {'month' if high == 1 else 'months'} after round {r.round - 1}"
        if r.transcribed == 0:
            text += "; " + _recorded(r.recorded, 0)
        sentences.append(text + ".")
    if facts.transcripts:
        who = facts.transcribed_by or ", ".join(facts.transcribers) or MISSING_MARK
        sentences.append(f"Interviews were transcribed by {who}.")
        returned = ("yes" if facts.transcripts_returned == facts.transcripts else
                    f"{facts.transcripts_returned} of {facts.transcripts}") if facts.transcripts_returned \
            else facts.transcripts_returned_statement or MISSING_MARK
        sentences.append(f"Transcripts returned to participants: {returned}.")
    relationship = facts.prior_relationship_statement or (
        "; ".join(dict.fromkeys(v for v in facts.prior_relationships if v.strip())) or MISSING_MARK)
    sentences.append(f"Relationship with participants before the study: {relationship}.")
    sentences.append(f"Data saturation: {facts.saturation_statement or MISSING_MARK}"
                     + ("" if facts.saturation_statement.endswith(".") else "."))
    for group in facts.ppi_groups:
        stages = ", ".join(group.stages) or "no stages recorded"
        about = f" ({group.composition})" if group.composition else ""
        sentences.append(f"Public involvement group {group.label}{about} was consulted at: {stages}"
                         f" ({_count(len(group.consultations), 'session')}).")
    return tuple(sentences)


# --- checks ------------------------------------------------------------------------------------

def identifiability_warnings(descriptor_field: str, descriptors: Mapping[str, str],
                             quoted: Iterable[str]) -> tuple[str, ...]:
    """Warn where the citation descriptor singles out one participant (METHOD.md §9).

    ``descriptors`` maps each participant in Table 1 to their descriptor value. A value held by
    one participant only, printed beside quotes and in Table 1, can identify them to colleagues
    in a small sample, whether or not they are quoted by that label.
    """
    counts = Counter(value.strip().lower() for value in descriptors.values() if value.strip())
    quoted = set(quoted)
    field = descriptor_field.replace("_", " ")
    warnings = []
    for code, value in descriptors.items():
        if value.strip() and counts[value.strip().lower()] == 1:
            how = "is quoted under it" if code in quoted else "is described by it in Table 1"
            warnings.append(f"identifiability: {code} is the only participant whose {field} is "
                            f"{value!r} and {how}; consider a coarser descriptor")
    return tuple(warnings)


def table_identifiability_warnings(table: Table, descriptor_column: str, descriptor_field: str,
                                   quoted: Iterable[str]) -> tuple[str, ...]:
    """Warn for every Table 1 column whose value singles out one participant, not only the citation's.

    The first column holds the participant codes; ``descriptor_column`` (the column printed
    beside quotes) is worded as :func:`identifiability_warnings` words it.
    """
    quoted = set(quoted)
    warnings: list[str] = []
    for index, column in enumerate(table.columns[1:], 1):
        values = {row[0]: row[index] for row in table.rows}
        if column == descriptor_column:
            warnings += identifiability_warnings(descriptor_field, values, quoted)
            continue
        counts = Counter(value.strip().lower() for value in values.values() if value.strip())
        for code, value in values.items():
            if value.strip() and counts[value.strip().lower()] == 1:
                how = "is described by it in Table 1" + (" and quoted in the report" if code in quoted else "")
                warnings.append(f"identifiability: {code} is the only participant whose {column.lower()} is "
                                f"{value!r} and {how}; consider a coarser band or leaving it out of Table 1")
    return tuple(warnings)


def forbidden_hits(text: str, terms: Iterable[str]) -> list[int]:
    """The positions (1-based) in ``terms`` of those that occur in ``text``, as whole words, any case.

    Positions, not the terms themselves, are what callers report: the terms come from the
    pseudonym key, and an error message is no place to repeat a participant's name.
    """
    hits = []
    for position, term in enumerate(terms, 1):
        term = term.strip()
        if not term:
            continue
        left = r"\b" if term[0].isalnum() else ""
        right = r"\b" if term[-1].isalnum() else ""
        if re.search(left + re.escape(term) + right, text, re.IGNORECASE):
            hits.append(position)
    return hits


# --- plain-language analysis ------------------------------------------------------------------

# How each memo field is introduced to a participant or a PPI member: ordinary words, no jargon.
_WILLIG = (
    ("constructions", "How the topic is talked about"),
    ("discourses", "Wider ways of talking that this draws on"),
    ("action_orientation", "What talking this way may do"),
    ("positionings", "How people are placed by this talk"),
    ("subjectivity", "What it may be like to be in that place"),
)
_PRACTICE = (("enables", "What this way of talking makes possible"),
             ("constrains", "What it makes harder"))
_PSYCHOSOCIAL = (
    ("anxieties", "Worries or tensions that may be at stake"),
    ("defences", "Ways of protecting against them"),
    ("investments", "What may matter personally here"),
    ("identifications", "Who the speaker may identify with"),
    ("ambivalence_contradictions", "Mixed feelings or contradictions"),
    ("association_links", "How ideas link up in the talk"),
    ("embodied_nonverbal", "Tone, pauses and body language"),
)


def _as_text(value) -> str:
    if isinstance(value, Mapping):
        # A structured entry (a construction with its wording, a positioning) read as one phrase.
        main = next((str(value[key]).strip() for key in ("summary", "description", "text", "label")
                     if str(value.get(key, "")).strip()), "")
        wording = str(value.get("wording", "")).strip()
        if wording and wording != main:
            return f"{main} (‘{wording}’)" if main else f"‘{wording}’"
        return main
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "; ".join(part for part in (_as_text(v) for v in value) if part)
    return str(value or "").strip()


def _sentence(lead: str, value) -> str | None:
    text = _as_text(value)
    if not text:
        return None
    return f"{lead}: {text}" + ("" if text.endswith((".", "?", "!")) else ".")


def plain_analysis(summary: str, willig: Mapping, psychosocial: Mapping) -> tuple[str, ...]:
    """A memo's draft analysis as plain sentences, for the people whose words it reads.

    The researcher's own affect notes are left out: they are the analyst's reflexive material,
    not part of the interpretation offered back.
    """
    sentences = [summary.strip()] if summary.strip() else []
    sentences += [s for key, lead in _WILLIG if (s := _sentence(lead, willig.get(key)))]
    practice = willig.get("practice") or {}
    if isinstance(practice, Mapping):
        sentences += [s for key, lead in _PRACTICE if (s := _sentence(lead, practice.get(key)))]
    sentences += [s for key, lead in _PSYCHOSOCIAL if (s := _sentence(lead, psychosocial.get(key)))]
    return tuple(sentences)
