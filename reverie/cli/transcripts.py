"""Transcript commands: import, lock, show, export, correct; cite; search."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from reverie.cli.app import app, fail, transcript_app
from reverie.cli.common import ListFormat, StudyDir, open_dir, open_to_print
from reverie.cli.output import err, out, print_rows


def _lines_option(value: str | None) -> tuple[int | None, int | None]:
    if not value:
        return None, None
    from reverie.core.ranges import parse_range

    return parse_range(value)


@transcript_app.command("import")
def transcript_import(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code, e.g. P1."),
    file: Path = typer.Argument(..., help="Transcript file: .txt, .docx, .vtt, .srt or noScribe .html."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    layout: str = typer.Option(None, "--layout",
                               help="imported, fixed-width or per-turn "
                                    "(default: imported when the file is line-numbered, else the study's layout)."),
    width: int = typer.Option(None, "--width", help="Line width in characters for fixed-width (default 80)."),
    notation: str = typer.Option(None, "--notation", help="Notation profile: verbatim-health or jefferson-lite."),
    transcriber: str = typer.Option(None, "--transcriber",
                                    help="Who transcribed it, e.g. 'TM' or 'a transcription service' (default: not "
                                         "recorded; the report says MISSING)."),
    voice: list[str] = typer.Option([], "--voice",
                                    help="Map a caption voice name to a study code: --voice 'Jane Smith=P1' "
                                         "(names are never stored)."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Replace an existing draft with this file (a new version; the old one is kept)."),
):
    """Import a transcript as a new draft version of an interview's transcript."""
    from reverie.services.transcripts.versions import import_transcript

    voice_map = {}
    for pair in voice:
        name, sep, code = pair.rpartition("=")
        if not sep or not name.strip() or not code.strip():
            fail(f"--voice {pair!r}: write it as 'Name=CODE'")
        voice_map[name.strip()] = code.strip()
    result = import_transcript(open_dir(directory), participant, round_no, file, layout=layout, width=width,
                               notation=notation, voice_map=voice_map or None, transcriber=transcriber,
                               replace=replace)
    for warning in result.warnings:
        err.print(f"warning: {warning}")
    out.print(f"imported {participant} round {round_no} as version {result.version_number}: "
              f"{result.turns} turns, {result.lines} lines ({result.layout.replace('_', '-')})")


@transcript_app.command("import-folder")
def transcript_import_folder(
    directory: StudyDir,
    folder: Path = typer.Argument(..., help="A folder of transcripts (.txt, .docx, .vtt, .srt, noScribe .html)."),
    mapping: Path = typer.Option(None, "--map",
                                 help="A CSV of file,participant,round (default: from the names: P1.txt, P1_2.docx)."),
    layout: str = typer.Option(None, "--layout", help="imported, fixed-width or per-turn."),
    width: int = typer.Option(None, "--width", help="Line width in characters for fixed-width (default 80)."),
    notation: str = typer.Option(None, "--notation", help="Notation profile: verbatim-health or jefferson-lite."),
    transcriber: str = typer.Option(None, "--transcriber",
                                    help="Who transcribed them (default: not recorded; the report says MISSING)."),
    create: bool = typer.Option(False, "--create", help="Add participants and interviews the folder names."),
    replace: bool = typer.Option(False, "--replace", help="Replace existing drafts (new versions; old ones kept)."),
):
    """Import a folder of transcripts, each as a new draft of its interview; every file is read first."""
    from reverie.services.transcripts.bulk import import_folder

    result = import_folder(open_dir(directory), folder, mapping=mapping, layout=layout, width=width,
                           notation=notation, transcriber=transcriber, create=create, replace=replace)
    for interview in result.created:
        out.print(f"added {interview}")
    for item, imported in result.imported:
        for warning in imported.warnings:
            err.print(f"warning: {item.path.name}: {warning}")
        out.print(f"imported {item.path.name} as {item.participant} round {item.round} version "
                  f"{imported.version_number}: {imported.lines} lines ({imported.layout.replace('_', '-')})")
    out.print(f"{len(result.imported)} transcripts imported")


@transcript_app.command("lock")
def transcript_lock(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
):
    """Lock the current version before analysis: its line numbers never change again."""
    from reverie.services.transcripts.versions import lock_transcript

    info = lock_transcript(open_dir(directory), participant, round_no)
    out.print(f"locked {participant} round {round_no} version {info.number} (lines {info.first_line}-{info.last_line})")


@transcript_app.command("verify")
def transcript_verify(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
):
    """Mark the current draft as checked against its recording."""
    from reverie.services.transcripts.versions import set_status

    info = set_status(open_dir(directory), participant, round_no, "verified")
    out.print(f"verified {participant} round {round_no} version {info.number}")


@transcript_app.command("show")
def transcript_show(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    lines: str = typer.Option(None, "--lines", help="Line range such as 970-990."),
    view: str = typer.Option("analysis", "--view", help="reading (notation hidden) or analysis (notation shown)."),
    notation: str = typer.Option(None, "--notation",
                                 help="Show notation in this profile (verbatim-health, jefferson-lite); "
                                      "implies the analysis view."),
    version: int = typer.Option(None, "--version", help="A version number (default: the current one)."),
):
    """Print a transcript with its line numbers, one transcript line per output line."""
    from reverie.services.transcripts.reading import show_lines

    first, last = _lines_option(lines)
    shown = show_lines(open_to_print(directory), participant, round_no, first=first, last=last, view=view,
                       notation=notation, version=version)
    width = len(str(shown[-1].number)) if shown else 1
    lines = [f"{line.number:>{width}}  {f'{line.speaker}: ' if line.speaker else ''}{line.text}" for line in shown]
    if lines:  # one write, not one per line: a pipe's reader is woken once
        out.print("\n".join(lines), overflow="ignore", crop=False)


@transcript_app.command("export")
def transcript_export(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    fmt: str = typer.Option(..., "--format",
                            help="docx, txt or html (numbered lines); vtt, srt or json (timed, for subtitle "
                                 "editors, ELAN and noScribe; vtt and srt need a transcript with times)."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    view: str = typer.Option("analysis", "--view", help="reading or analysis."),
    codings: bool = typer.Option(False, "--codings",
                                 help="Mark codings: coded words shaded in the code's colour, codes in the margin "
                                      "(Word comments; a column in HTML)."),
):
    """Export a transcript: numbered lines (Word, plain text, HTML) or timed cues and words (WebVTT, SRT, JSON).

    WebVTT cues carry the speaker as a `<v P1>` voice span, SRT cues a `P1:` prefix; JSON is one
    object {"lines": [{number, speaker, start, end, text}], "words": [{text, start, end, speaker}]}
    with times in seconds.
    """
    from reverie.services.transcripts.versions import export_transcript

    export_transcript(open_dir(directory), participant, round_no, fmt, output, view=view, codings=codings)
    out.print(f"wrote {output}")


@transcript_app.command("correct")
def transcript_correct(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    file: Path = typer.Argument(..., help="The corrected transcript file."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    why: str = typer.Option(..., "--why", help="Why the transcript is corrected (recorded in the audit log)."),
):
    """Store a corrected transcript as a new version; codings and extracts are carried over and reported."""
    from reverie.services.transcripts.corrections import correct_from_file

    result = correct_from_file(open_dir(directory), participant, round_no, file, why=why)
    out.print(f"stored version {result.version_number}")
    for span in result.report:
        old = f"{span.old_lines[0]}-{span.old_lines[1]}" if span.old_lines else "?"
        new = f"{span.new_lines[0]}-{span.new_lines[1]}" if span.new_lines else "-"
        out.print(f"  {span.status:<8} {span.label}: lines {old} -> {new}")
        if span.old_text != span.new_text:
            out.print(f"           its words changed; check the display text\n           was: {span.old_text}\n"
                      f"           now: {span.new_text}")


@app.command("cite")
def cite_command(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    lines: str = typer.Argument(..., help="Line or range, e.g. 978-981, 978-81 or 527."),
    round_no: int = typer.Option(None, "--round", help="Interview round (default: the first transcribed)."),
    style: str = typer.Option(None, "--style",
                              help="Range style: minimal, oxford, chicago or full (default: the study's)."),
):
    """Print the citation of a line range, e.g. (P1. Lines 978-81)."""
    from reverie.core.citation import CitationStyle
    from reverie.core.ranges import parse_range
    from reverie.services.study.reading import citation_style
    from reverie.services.transcripts.reading import cite

    study = open_to_print(directory, migrate=True)
    first, last = parse_range(lines)
    chosen = citation_style(study)
    if style:
        chosen = CitationStyle(**{**asdict(chosen), "range_style": style})
    out.print(cite(study, participant, first, last, round_no=round_no, style=chosen))


@app.command("search")
def search_command(
    directory: StudyDir,
    query: str = typer.Argument(..., help='Words, "a phrase", prefix*, AND / OR / NOT, (brackets).'),
    participant: str = typer.Option(None, "--participant", help="Only this participant."),
    round_no: int = typer.Option(None, "--round", help="Only this round."),
    speaker: str = typer.Option(None, "--speaker", help="Only lines spoken by this speaker (I, P1 …)."),
    code: str = typer.Option(None, "--code", help="Only lines coded with this code."),
    fmt: ListFormat = "table",
    limit: int = typer.Option(200, "--limit", help="At most this many hits."),
):
    """Search all transcripts; hits print as keyword-in-context lines with their citation."""
    from reverie.services.transcripts.search import search

    hits = search(open_to_print(directory), query, participant=participant, round_no=round_no,
                  speaker=speaker, code=code, limit=limit)
    keys = ["participant", "round", "line", "start_line", "end_line", "speaker", "citation", "text"]
    rows = [{"participant": h.participant, "round": h.round, "line": h.line, "start_line": h.line, "end_line": h.line,
             "speaker": h.speaker, "citation": h.citation, "text": h.text} for h in hits]
    # The table shows the hit in context; the keyword's place is found by the search (casefolded, accents off).
    context = {id(row): f"{h.before[-40:]}[{h.match}]{h.after[:40]}" for row, h in zip(rows, hits, strict=True)}
    view = ["citation", "round", "speaker", ("in context", lambda row: context[id(row)])]
    print_rows(rows, fmt, keys=keys, view=view)
    err.print(f"{len(hits)} hit{'s' if len(hits) != 1 else ''}")
