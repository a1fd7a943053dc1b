"""Analysis commands: codes, the reflexive log, extracts, memos, consultations and provenance.

Each command parses its input, calls one service function and prints the result; transcript
text is printed with markup off (``out``), so "[laughs]" and "[…]" survive.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from reverie.cli.app import app, fail
from reverie.cli.common import ListFormat, StudyDir, open_dir, open_to_print
from reverie.cli.output import as_rows, field_names, out, print_rows
from reverie.core.ranges import parse_range

codes_app = typer.Typer(help="Codes: discursive objects, discourses, positions, storylines; apply, merge, count.",
                        no_args_is_help=True)
log_app = typer.Typer(help="The reflexive log: observation, interpretation, emotional response.", no_args_is_help=True)
extracts_app = typer.Typer(help="Extracts: cited line ranges chosen for close analysis, and their status.",
                           no_args_is_help=True)
memo_app = typer.Typer(help="Analysis memos on extracts (Willig, positioning, psychosocial), versioned.",
                       no_args_is_help=True)
consult_app = typer.Typer(help="Member reflections and PPI consultations: what was shown, what people said.",
                          no_args_is_help=True)
app.add_typer(codes_app, name="codes")
app.add_typer(log_app, name="log")
app.add_typer(extracts_app, name="extracts")
app.add_typer(memo_app, name="memo")
app.add_typer(consult_app, name="consult")

EVIDENCE_HELP = "Evidence for the decision as KIND:ID (response:4, log:12, memo:3); repeat for more."


def _evidence(values: list[str] | None) -> list[dict]:
    from reverie.services.analysis.decisions import parse_evidence_ref

    return [parse_evidence_ref(v) for v in values or []]


def _span(value: str) -> tuple[int, int]:
    start, sep, end = value.partition(":")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        fail(f"--span {value!r} must be START:END character offsets, e.g. 120:188")
    return int(start), int(end)


# --- codes -----------------------------------------------------------------------------------

@codes_app.command("add")
def codes_add(
    directory: StudyDir,
    label: str = typer.Argument(..., help="The code's label, e.g. \"risk\"."),
    kind: str = typer.Option("free", "--kind", help="discursive_object, discourse, subject_position, storyline, "
                                                    "theme_seed or free."),
    definition: str = typer.Option("", "--definition", help="What the code means in this study."),
    color: str = typer.Option("", "--color", help="A colour such as #1f77b4."),
    parent: str = typer.Option(None, "--parent", help="The parent code's label, to nest this code."),
):
    """Add a code to the codebook."""
    from reverie.services.analysis.coding import add_code

    code = add_code(open_dir(directory), label, kind=kind, definition=definition, color=color, parent=parent)
    out.print(f"added code {code.label} ({code.kind}) {code.guid}")


@codes_app.command("list")
def codes_list(directory: StudyDir,
               merged: bool = typer.Option(False, "--merged", help="Also list codes merged into others."),
               fmt: ListFormat = "table"):
    """List the codebook with how many codings each code has."""
    from reverie.services.analysis.coding import CodeView, list_codes

    rows = as_rows(list_codes(open_dir(directory, read_only=True), include_merged=merged))
    view = ["label", "parent", "kind", "codings"] + (["merged_into"] if merged else [])
    print_rows(rows, fmt, keys=field_names(CodeView), view=view)


@codes_app.command("apply")
def codes_apply(
    directory: StudyDir,
    code: str = typer.Argument(..., help="The code's label."),
    participant: str = typer.Argument(..., help="The participant code, e.g. P1."),
    round_no: int = typer.Option(1, "--round", help="The interview round."),
    lines: str = typer.Option(None, "--lines", help="Line range to code, e.g. 978-81."),
    span: str = typer.Option(None, "--span", help="Character span START:END instead of lines."),
    note: str = typer.Option("", "--note", help="A note on this coding."),
):
    """Apply a code to lines or a character span of a locked transcript."""
    from reverie.services.analysis.coding import apply_code

    coding = apply_code(open_dir(directory), code, participant, round_no=round_no,
                        lines=parse_range(lines) if lines else None, span=_span(span) if span else None, note=note)
    out.print(f"coded {participant} lines {coding.start_line}-{coding.end_line} with {code}")


@codes_app.command("rename")
def codes_rename(
    directory: StudyDir,
    code: str = typer.Argument(..., help="The code's current label."),
    new_label: str = typer.Argument(..., help="The new label."),
    rationale: str = typer.Option(..., "--rationale", help="Why the code is renamed (recorded as a decision)."),
):
    """Rename a code, recording the decision."""
    from reverie.services.analysis.coding import rename_code

    decision = rename_code(open_dir(directory), code, new_label, rationale=rationale)
    out.print(f"renamed {code} to {new_label} (decision {decision})")


@codes_app.command("merge")
def codes_merge(
    directory: StudyDir,
    source: str = typer.Argument(..., help="The code to merge away."),
    into: str = typer.Argument(..., help="The code it merges into."),
    rationale: str = typer.Option(..., "--rationale", help="Why the codes are merged (recorded as a decision)."),
):
    """Merge one code into another; its codings move over."""
    from reverie.services.analysis.coding import merge_code

    decision = merge_code(open_dir(directory), source, into, rationale=rationale)
    out.print(f"merged {source} into {into} (decision {decision})")


@codes_app.command("update")
def codes_update(
    directory: StudyDir,
    code: str = typer.Argument(..., help="The code's label."),
    definition: str = typer.Option(None, "--definition", help="What the code means in this study (\"\" clears it)."),
    color: str = typer.Option(None, "--color", help="A colour such as #1f77b4 (\"\" gives it a palette colour)."),
    parent: str = typer.Option(None, "--parent", help="Nest the code under this code (by label)."),
    top_level: bool = typer.Option(False, "--top-level", help="Move the code out of its parent, to the top level."),
    why: str = typer.Option("", "--why", help="Why it changed (kept in the audit trail)."),
):
    """Describe, recolour or re-nest a code (never under itself or a code nested in it)."""
    from reverie.services.analysis.codebook import UNCHANGED, update_code

    if parent is not None and top_level:
        fail("give --parent or --top-level, not both")
    node = update_code(open_dir(directory), code, definition=definition, color=color,
                       parent=None if top_level else (parent if parent is not None else UNCHANGED), why=why)
    out.print(f"updated code {node.label}")


@codes_app.command("delete")
def codes_delete(
    directory: StudyDir,
    code: str = typer.Argument(..., help="The code's label."),
    rationale: str = typer.Option(..., "--rationale", help="Why the code is deleted (recorded as a decision)."),
    confirm_codings: int = typer.Option(None, "--confirm-codings",
                                        help="How many codings go with it: a code with codings is deleted only "
                                             "when this number is theirs."),
):
    """Delete a code and its codings, recording the decision; codes nested in it move up to its parent."""
    from reverie.services.analysis.codebook import delete_code

    done = delete_code(open_dir(directory), code, rationale=rationale, confirm_codings=confirm_codings)
    moved = f"; {', '.join(done.children_moved)} moved up to {done.new_parent or 'the top level'}" \
        if done.children_moved else ""
    out.print(f"deleted {done.label} and {done.codings} coding(s) (decision {done.decision_id}){moved}")


@codes_app.command("export-segments")
def codes_export_segments(
    directory: StudyDir,
    codes: list[str] = typer.Argument(..., help="The codes' labels."),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write (.docx, .csv or .html)."),
    fmt: str = typer.Option(None, "--format", help="docx, csv or html (default: from the --output suffix)."),
    round_no: int = typer.Option(None, "--round", help="Only this interview round."),
    attribute: str = typer.Option("", "--attribute", help="Only participants whose attribute (profession, "
                                                          "setting or a custom one) has --value."),
    value: str = typer.Option("", "--value", help="The value --attribute must have."),
    with_code: str = typer.Option(None, "--with-code", help="Only segments overlapping a coding of this code."),
):
    """Export the segments coded with one or several codes, each with its citation, coder and date."""
    from reverie.services.analysis.codebook import get_code
    from reverie.services.analysis.retrieval import PassageFilter
    from reverie.services.output.segments import export_segments

    fmt = fmt or output.suffix.lstrip(".").lower()
    study = open_dir(directory)
    filters = PassageFilter(attribute=attribute, value=value, round_no=round_no,
                            with_code=get_code(study, with_code).id if with_code else None)
    made = export_segments(study, [get_code(study, label).id for label in codes], fmt, filters)
    output.write_bytes(made.content)
    out.print(f"wrote {made.segments} coded segment(s) to {output}")


@codes_app.command("stats")
def codes_stats(directory: StudyDir,
                by: str = typer.Option("profession", "--by", help="Participant attribute for the crosstab."),
                show: str = typer.Option(None, "--show", help="Only one table: frequencies, cooccurrence or crosstab "
                                                              "(default: all three; csv and json print one)."),
                fmt: ListFormat = "table"):
    """Code frequencies, co-occurrence on the same transcript, and a crosstab by a participant attribute."""
    from reverie.services.analysis.coding import (
        CodeFrequency,
        CoOccurrence,
        code_frequencies,
        cooccurrence,
        crosstab,
    )

    tables = ("frequencies", "cooccurrence", "crosstab")
    if show is not None and show not in tables:
        fail(f"--show {show!r}: use frequencies, cooccurrence or crosstab")
    if show is None and fmt != "table":
        fail(f"{fmt} holds one table: add --show frequencies, --show cooccurrence or --show crosstab")
    study = open_dir(directory)
    section = show is None
    if show in (None, "frequencies"):
        print_rows(as_rows(code_frequencies(study), label="code"), fmt, keys=field_names(CodeFrequency, label="code"),
                   title="Code frequencies", section=section)
    if show in (None, "cooccurrence"):
        print_rows(as_rows(cooccurrence(study)), fmt, keys=field_names(CoOccurrence),
                   title="Co-occurrence (overlapping codings)", section=section)
    if show in (None, "crosstab"):
        table = crosstab(study, by)
        rows = [{"code": label, **dict(zip(table.columns, counts, strict=True))} for label, counts in table.rows]
        print_rows(rows, fmt, keys=["code", *table.columns], title=f"Codings by {table.by}", section=section)


# --- reflexive log ---------------------------------------------------------------------------

@log_app.command("add")
def log_add(
    directory: StudyDir,
    observation: str = typer.Option(None, "--observation", help="What happened (three_part template)."),
    interpretation: str = typer.Option(None, "--interpretation", help="Initial interpretation (three_part)."),
    emotional_response: str = typer.Option(None, "--emotional-response", help="What you felt (three_part)."),
    part: list[str] = typer.Option(None, "--part", help="Any template part as NAME=TEXT; repeat for more."),
    template: str = typer.Option(None, "--template", help="three_part, lincoln_guba or free (default: the study's)."),
    stage: str = typer.Option("analysis", "--stage", help="design, recruitment, interview, transcription, analysis, "
                                                          "consultation or writing."),
    affect: int = typer.Option(None, "--affect", help="Affect intensity 0-3."),
    tag: list[str] = typer.Option(None, "--tag", help="A tag, e.g. methodological_decision; repeat for more."),
    participant: str = typer.Option(None, "--participant", help="Anchor on this participant's interview."),
    round_no: int = typer.Option(1, "--round", help="The interview round of the anchor."),
    lines: str = typer.Option(None, "--lines", help="Anchor on these transcript lines, e.g. 978-81."),
    time_s: float = typer.Option(None, "--time", help="Anchor on this moment of the recording, in seconds."),
    extract: str = typer.Option(None, "--extract", help="Anchor on an extract, e.g. E3."),
    consultation: int = typer.Option(None, "--consultation", help="Anchor on a consultation (its id)."),
    flag_extract: bool = typer.Option(False, "--flag-extract", help="Flag the anchored lines as an extract candidate."),
):
    """Write a reflexive log entry (append-only)."""
    from reverie.services.analysis.reflexivity import Anchor, add_entry

    parts = {k: v for k, v in (("observation", observation), ("interpretation", interpretation),
                               ("emotional_response", emotional_response)) if v}
    for item in part or []:
        name, sep, text = item.partition("=")
        if not sep:
            fail(f"--part {item!r} must be NAME=TEXT")
        parts[name.strip()] = text
    anchors = []
    if participant or extract or consultation is not None:
        anchors.append(Anchor(participant=participant, round=round_no, time_s=time_s,
                              lines=parse_range(lines) if lines else None, extract=extract, consultation=consultation))
    added = add_entry(open_dir(directory), parts, template=template, stage=stage, affect_intensity=affect,
                      tags=tag or [], anchors=anchors, flags_extract_candidate=flag_extract)
    flagged = f"; flagged {added.extract} (decision {added.decision_id})" if added.extract else ""
    out.print(f"log entry {added.entry_id}{flagged}")


@log_app.command("list")
def log_list(directory: StudyDir,
             all_versions: bool = typer.Option(False, "--all-versions", help="Also show superseded versions."),
             tag: str = typer.Option(None, "--tag", help="Only entries with this tag."),
             fmt: ListFormat = "table"):
    """List the reflexive log in the order it was written."""
    from reverie.services.analysis.reflexivity import EntryView, list_entries

    rows = as_rows(list_entries(open_dir(directory), include_superseded=all_versions, tag=tag))
    print_rows(rows, fmt, keys=field_names(EntryView),
               view=["id", "version", ("date", lambda row: f"{row['created_at']:%Y-%m-%d}"), "stage",
                     ("affect", lambda row: row["affect_intensity"]), "anchors", "parts"])


@log_app.command("affect")
def log_affect(directory: StudyDir, fmt: ListFormat = "table"):
    """The lines your feelings flagged, strongest first."""
    from reverie.services.analysis.reflexivity import AffectLine, affect_lines

    renames = {"first": "start_line", "last": "end_line"}
    rows = as_rows(affect_lines(open_dir(directory)), **renames)
    print_rows(rows, fmt, keys=field_names(AffectLine, **renames),
               view=["intensity", "participant", "round", "start_line", "end_line", "extract", "feeling"])


# --- extracts --------------------------------------------------------------------------------

@extracts_app.command("add")
def extracts_add(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="The participant code, e.g. P1."),
    lines: str = typer.Argument(..., help="The line range, e.g. 978-81."),
    why: str = typer.Option(..., "--why", help="Why these lines were selected (recorded as a decision)."),
    round_no: int = typer.Option(1, "--round", help="The interview round."),
    source: list[str] = typer.Option(None, "--source", help="Selection source: researcher_affect, discursive_object, "
                                                            "participant_response, ppi_response, theory."),
    display: str = typer.Option("", "--display", help="Display text with [elisions] and [clarifications]."),
    title: str = typer.Option("", "--title", help="A short working title."),
    obj: list[str] = typer.Option(None, "--object", help="A discursive object (code label) it exemplifies."),
    evidence: list[str] = typer.Option(None, "--evidence", help=EVIDENCE_HELP),
):
    """Select lines of a locked transcript as a candidate extract."""
    from reverie.services.analysis.extracts import add_extract

    first, last = parse_range(lines)
    view = add_extract(open_dir(directory), participant, first, last, why=why, round_no=round_no,
                       selection_sources=source or [], evidence_refs=_evidence(evidence), display_text=display,
                       title=title, objects=obj or [])
    out.print(f"{view.handle} {view.citation} {view.status}")


@extracts_app.command("list")
def extracts_list(directory: StudyDir,
                  status: str = typer.Option(None, "--status", help="Only extracts with this status."),
                  text: bool = typer.Option(False, "--text", help="Show each extract's display text in the table "
                                                                  "(csv and json always have it)."),
                  fmt: ListFormat = "table"):
    """List extracts with their citation, status and theme."""
    from reverie.services.analysis.extract_views import ExtractView, list_extracts

    rows = as_rows(list_extracts(open_to_print(directory), status=status))
    view = ["handle", "citation", "status", "theme"] + (["display_text"] if text else [])
    print_rows(rows, fmt, keys=field_names(ExtractView), view=view)


@extracts_app.command("move")
def extracts_move(
    directory: StudyDir,
    extract: str = typer.Argument(..., help="The extract handle, e.g. E3."),
    status: str = typer.Argument(..., help="The new status: shortlisted, analysed, presented, refined, final, "
                                           "set_aside or candidate."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded as a decision; required)."),
    evidence: list[str] = typer.Option(None, "--evidence", help=EVIDENCE_HELP),
):
    """Move an extract to a new status, recording the decision and its evidence."""
    from reverie.services.analysis.extracts import move_extract

    moved = move_extract(open_dir(directory), extract, status, reason=reason, evidence_refs=_evidence(evidence))
    out.print(f"{moved.handle}: {moved.from_status} -> {moved.to_status} (decision {moved.decision_id})")


@extracts_app.command("history")
def extracts_history(directory: StudyDir,
                     extract: str = typer.Argument(..., help="The extract handle, e.g. E3."),
                     diffs: bool = typer.Option(False, "--diffs", help="Show memo diffs between versions.")):
    """The whole life of an extract: flagged, moved, shown, responded to, revised."""
    from reverie.services.analysis.provenance import extract_history

    history = extract_history(open_dir(directory), extract)
    out.print(f"{history.handle} {history.participant} lines {history.lines[0]}-{history.lines[1]} ({history.status})")
    for event in history.events:
        decision = f" [decision {event.decision_id}]" if event.decision_id else ""
        out.print(f"{event.at:%Y-%m-%d %H:%M} {event.kind}{decision}: {event.summary}")
        if event.detail and (diffs or event.kind == "changed"):
            out.print(event.detail)


# --- memos -----------------------------------------------------------------------------------

@memo_app.command("edit")
def memo_edit(
    directory: StudyDir,
    extract: str = typer.Argument(..., help="The extract handle, e.g. E3."),
    field: list[str] = typer.Option(None, "--field", help="FIELD=TEXT, e.g. willig.action_orientation=TEXT; "
                                                          "repeat for more."),
    json_file: Path = typer.Option(None, "--json", help="A JSON file with willig, positioning, psychosocial, summary."),
    object_code: str = typer.Option(None, "--object", help="The discursive object (code) the memo is about."),
    why: str = typer.Option("", "--why", help="Why the reading changed (required for a revision)."),
    evidence: list[str] = typer.Option(None, "--evidence", help=EVIDENCE_HELP),
):
    """Save a new memo version (fields not given keep their value; incomplete memos are fine)."""
    from reverie.services.analysis.memos import facets_from_assignments, save_memo

    facets = facets_from_assignments(field or [])
    if json_file is not None:
        try:
            loaded = json.loads(json_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"{json_file}: not a readable JSON file ({exc})")
        if not isinstance(loaded, dict) or set(loaded) - {"willig", "positioning", "psychosocial", "summary"}:
            fail(f"{json_file}: expected an object with willig, positioning, psychosocial and/or summary")
        facets = {**loaded, **facets}
    if not facets:
        fail("nothing to save: give --field FIELD=TEXT or --json FILE")
    saved = save_memo(open_dir(directory), extract, object_code=object_code, why=why,
                      evidence_refs=_evidence(evidence), **facets)
    decision = f" (decision {saved.decision_id})" if saved.decision_id else ""
    out.print(f"memo on {saved.extract} version {saved.version}{decision}")
    for warning in saved.warnings:
        out.print(f"warning: {warning}")


@memo_app.command("show")
def memo_show(
    directory: StudyDir,
    extract: str = typer.Argument(..., help="The extract handle, e.g. E3."),
    object_code: str = typer.Option(None, "--object", help="The discursive object (code) the memo is about."),
    version: int = typer.Option(None, "--version", help="A version number (default: the latest)."),
):
    """Show a memo version, with the guiding prompt for each empty field."""
    from reverie.services.analysis.memos import show_memo

    view = show_memo(open_dir(directory), extract, object_code=object_code, version=version)
    decision = f" (decision {view.decision_id})" if view.decision_id else ""
    out.print(f"memo on {view.extract} version {view.version}{decision}")
    for memo_field in view.fields:
        if memo_field.empty:
            out.print(f"{memo_field.path}: (empty) prompt: {memo_field.prompt}")
        elif isinstance(memo_field.value, str):
            out.print(f"{memo_field.path}: {memo_field.value}")
        else:
            out.print(f"{memo_field.path}: {json.dumps(memo_field.value, ensure_ascii=False)}")


# --- consultations ---------------------------------------------------------------------------

@consult_app.command("group")
def consult_group(
    directory: StudyDir,
    label: str = typer.Argument(..., help="The group's label, e.g. PPI-A."),
    composition: str = typer.Option("", "--composition", help="Who is in the group (no names)."),
    size: int = typer.Option(None, "--size", help="How many contributors."),
    stage: list[str] = typer.Option(None, "--stage", help="A stage the group is involved in (design, analysis…)."),
):
    """Add a PPI group."""
    from reverie.services.involvement.consultations import add_ppi_group

    add_ppi_group(open_dir(directory), label, composition_summary=composition, size=size, stages=stage or [])
    out.print(f"added PPI group {label}")


@consult_app.command("add")
def consult_add(
    directory: StudyDir,
    kind: str = typer.Argument(..., help="member_reflection, ppi_design, ppi_analysis, supervision or peer_debrief."),
    participant: str = typer.Option(None, "--participant", help="The participant (member reflection)."),
    group: str = typer.Option(None, "--group", help="The PPI group (PPI sessions)."),
    round_no: int = typer.Option(2, "--round", help="The interview round of a member reflection."),
    held_on: str = typer.Option(None, "--date", help="When it took place (YYYY-MM-DD)."),
    duration: float = typer.Option(None, "--duration", help="Duration in minutes."),
    location: str = typer.Option("", "--location", help="Location type, e.g. workplace."),
    recording: str = typer.Option("notes_only", "--recording", help="audio, video or notes_only."),
    transcribed: bool = typer.Option(False, "--transcribed", help="The recording was transcribed."),
    title: str = typer.Option("", "--title", help="A short title."),
    show: list[str] = typer.Option(None, "--show", help="An extract shown (frozen with its memo), e.g. E1; repeat."),
):
    """Record a member reflection or PPI session, and freeze what was shown."""
    from reverie.services.involvement.consultations import (
        add_consultation,
        show_extract,
    )

    study = open_dir(directory)
    consultation = add_consultation(study, kind, participant=participant, group=group, round_no=round_no,
                                    held_on=held_on, duration_min=duration, location_type=location,
                                    recording=recording, transcribed=transcribed, title=title)
    for handle in show or []:
        show_extract(study, consultation.id, handle)
    out.print(f"consultation {consultation.id} ({kind}); showed {len(show or [])} extract(s)")


@consult_app.command("respond")
def consult_respond(
    directory: StudyDir,
    consultation: int = typer.Argument(..., help="The consultation's id."),
    summary: str = typer.Option(..., "--summary", help="What was said."),
    response_type: list[str] = typer.Option(..., "--type", help="affirm, challenge, clarify, extend, correct, "
                                                               "new_information …; repeat for more."),
    target: str = typer.Option("extract", "--target", help="extract, memo, construction, theme, schedule_item or "
                                                          "whole_analysis."),
    extract: str = typer.Option(None, "--extract", help="The extract responded to, e.g. E1."),
    detail: str = typer.Option("", "--detail", help="Which construction, theme or item (e.g. milk)."),
    respondent: str = typer.Option("", "--respondent", help="Who responded (default: the participant or group)."),
    resonance: int = typer.Option(None, "--resonance", help="Resonance 0-3."),
    timecode: float = typer.Option(None, "--timecode", help="Seconds into the recording."),
    disposition: str = typer.Option("pending", "--disposition", help="pending, incorporated, partly_incorporated, "
                                                                     "noted_not_incorporated, declined, out_of_scope."),
    rationale: str = typer.Option("", "--rationale", help="Why (required unless pending or incorporated)."),
):
    """Record a response from a consultation, and optionally what became of it."""
    from reverie.services.involvement.consultations import add_response

    response = add_response(open_dir(directory), consultation, summary=summary, types=response_type, target=target,
                            extract=extract, detail=detail, respondent=respondent, resonance=resonance,
                            timecode_s=timecode, disposition=disposition, rationale=rationale)
    out.print(f"response {response.id} ({response.disposition})")


@consult_app.command("dispose")
def consult_dispose(
    directory: StudyDir,
    response: int = typer.Argument(..., help="The response's id."),
    disposition: str = typer.Argument(..., help="incorporated, partly_incorporated, noted_not_incorporated, "
                                                "declined, out_of_scope or pending."),
    rationale: str = typer.Option("", "--rationale", help="Why (required unless pending or incorporated)."),
):
    """Say what became of a response (audited)."""
    from reverie.services.involvement.consultations import set_disposition

    set_disposition(open_dir(directory), response, disposition, rationale=rationale)
    out.print(f"response {response}: {disposition}")


@consult_app.command("show")
def consult_show(directory: StudyDir,
                 consultation: int = typer.Argument(None, help="A consultation's id (default: list them all)."),
                 fmt: ListFormat = "table"):
    """List consultations, or show one: the frozen materials and the responses."""
    from reverie.services.involvement.consultations import (
        get_consultation,
        list_consultations,
    )

    study = open_dir(directory)
    if consultation is None:
        rows = [{"id": view.id, "kind": view.kind, "title": view.title, "who": view.who, "held_on": view.held_on,
                 "shown": len(view.materials), "responses": len(view.responses)} for view in list_consultations(study)]
        print_rows(rows, fmt, keys=["id", "kind", "title", "who", "held_on", "shown", "responses"],
                   view=["id", "kind", "who", "held_on", "shown", "responses"])
        return
    if fmt != "table":
        fail("--format applies to the list of consultations; leave out the id to list them")
    view = get_consultation(study, consultation)
    out.print(f"consultation {view.id}: {view.kind} {view.who} {view.held_on or ''}")
    for material in view.materials:
        if "extract" in material:
            shown = material["extract"]
            memo = f" with memo version {material['memo']['version']}" if "memo" in material else ""
            out.print(f"shown: {shown['handle']} {shown['citation']} ({shown['status']}){memo}")
            out.print("  " + shown["display_text"])
        else:
            out.print(f"shown: interview schedule version {material['schedule']['version']}")
    for response in view.responses:
        out.print(f"response {response.id} {response.respondent} on {response.target}: {'/'.join(response.types)}: "
                  f"{response.summary} [{response.disposition}]")
