"""Study-level commands: init, demo, identity, participants, interviews, schedule, audit."""

from __future__ import annotations

from pathlib import Path

import typer

from reverie.cli.app import (
    app,
    audit_app,
    fail,
    identity_app,
    interviews_app,
    participants_app,
    schedule_app,
)
from reverie.cli.common import ListFormat, StudyDir, TableOneFormat, open_dir, open_to_print
from reverie.cli.output import as_rows, err, field_names, out, print_rows, write_text_output


@app.command("init")
def init_command(
    directory: Path = typer.Argument(..., help="The new study folder."),
    title: str = typer.Option("", "--title", help="The study's title."),
    database: str = typer.Option(None, "--database",
                                 help="A PostgreSQL URL for a team study (default: study.db in the folder)."),
    name: str = typer.Option(None, "--name", help="Your name, recorded as the researcher working on the study."),
    initials: str = typer.Option(None, "--initials",
                                 help="Your initials (e.g. TM): the actor of audit events and the coder of codings."),
    encrypt: bool = typer.Option(False, "--encrypt",
                                 help="Encrypt the database and media with a passphrase "
                                      "(REVERIE_PASSPHRASE for scripts)."),
):
    """Create a study folder: study.db (SQLite, WAL), media/ and backups/."""
    from reverie.services.study import studies

    identity = studies.default_identity()
    identity = studies.Identity(name=name or identity.name, initials=initials or identity.initials)
    if encrypt:
        from reverie.services.study.encryption import init_encrypted_study

        passphrase = _new_passphrase()
        study = init_encrypted_study(directory, passphrase, title=title, identity=identity)
    else:
        from reverie.services.study.context import PASSWORD_PLACES, without_password

        study = studies.init_study(directory, title=title, database=database, identity=identity)
        if database and without_password(database) != database:
            err.print(f"the database password was not written to {directory / 'study.toml'}; {PASSWORD_PLACES}")
    where = "PostgreSQL" if not study.is_sqlite else "study.db"
    out.print(f"created study {directory} ({where}); you are {identity.initials}")
    study.close()


def _new_passphrase() -> str:
    import os

    passphrase = os.environ.get("REVERIE_PASSPHRASE")
    if passphrase is None:
        passphrase = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    return passphrase


@app.command("demo")
def demo_command(
    directory: Path = typer.Argument(Path("reverie-demo"), help="Where to build the demo study."),
    no_serve: bool = typer.Option(False, "--no-serve",
                                  help="Build the study and print where it is, without starting the web workbench."),
    port: int = typer.Option(0, "--port", show_default=False,
                              help="Port for the web workbench (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
):
    """Build a demo study shaped like the reference study (5 participants x 2 rounds, PPI, themes) and open it."""
    from reverie.services.demo import build_demo, is_demo

    study = build_demo(directory)
    summary, demo = study.root, is_demo(study)
    study.close()
    if not demo:
        out.print(f"{summary} holds a study that is not the demo; it is left as it is")
    if no_serve:
        if demo:
            out.print(f"demo study ready at {summary}")
        return
    from reverie.cli.serve import serve_study

    serve_study(directory, port=port, open_browser=not no_browser)


@identity_app.command("show")
def identity_show(directory: StudyDir):
    """Show who is recorded as working on the study."""
    study = open_dir(directory)
    out.print(study.actor)


@identity_app.command("set")
def identity_set(
    directory: StudyDir,
    name: str = typer.Option(..., "--name", help="Your name."),
    initials: str = typer.Option(..., "--initials", help="Your initials, e.g. TM."),
):
    """Change the researcher identity recorded on later events and codings."""
    from reverie.services.study import studies

    study = open_dir(directory)
    studies.set_identity(study, studies.Identity(name=name, initials=initials))
    out.print(f"you are now {initials}")


@participants_app.command("add")
def participants_add(
    directory: StudyDir,
    code: str = typer.Option(..., "--code", help="Pseudonym code such as P1 (never a real name)."),
    gender: str = typer.Option("", "--gender", help="Gender as the participant describes it (e.g. F, M)."),
    profession: str = typer.Option("", "--profession", help="Profession, e.g. Occupational Therapist."),
    setting: str = typer.Option("", "--setting", help="Work setting, e.g. Acute Care."),
    years: str = typer.Option("", "--years", help="Years post-qualification experience, as a band (e.g. >15)."),
    channel: str = typer.Option("", "--channel", help="Recruitment channel, e.g. email."),
    reason: str = typer.Option("", "--reason", help="Reason for participating, if asked."),
    status: str = typer.Option("consented", "--status", help="invited, declined, consented, withdrawn or completed."),
):
    """Add a participant."""
    from reverie.services.study.participants import add_participant

    study = open_dir(directory)
    add_participant(study, code, gender=gender, profession=profession, setting=setting, years_band=years,
                    recruitment_channel=channel, reason_for_participating=reason, status=status)
    out.print(f"added {code}")


# help= rather than a docstring: the sentence needs two source lines, and docs/cli.md keeps a docstring's line breaks.
@participants_app.command("table", help="Print Table 1: Participant, Gender, Profession, Mental health work setting, "
                                        "Years post-qualification experience.")
def participants_table(
    directory: StudyDir,
    fmt: TableOneFormat = "table",
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file instead of the terminal."),
):
    from reverie.services.study.reading import participant_table

    table = participant_table(open_to_print(directory))
    if fmt == "md":
        write_text_output(table.to_markdown(), output)
        return
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    print_rows(rows, fmt, keys=table.columns, title="Table 1. Participants", output=output)


@participants_app.command("consent")
def participants_consent(
    directory: StudyDir,
    code: str = typer.Option(..., "--code", help="Participant code."),
    date: str = typer.Option(None, "--date", help="Date of consent, YYYY-MM-DD."),
    no_quotes: bool = typer.Option(False, "--no-quotes", help="The participant did not agree to anonymised quotes."),
    no_audio: bool = typer.Option(False, "--no-audio", help="The participant did not agree to audio recording."),
    no_second_interview: bool = typer.Option(False, "--no-second-interview", help="No second interview."),
    archiving: bool = typer.Option(False, "--archiving", help="The participant agreed to archiving."),
):
    """Record what a participant consented to."""
    from reverie.services.study.participants import record_consent

    record_consent(open_dir(directory), code, consented_on=date, anonymised_quotes=not no_quotes,
                   audio_recording=not no_audio, second_interview=not no_second_interview, archiving=archiving)
    out.print(f"consent recorded for {code}")


@participants_app.command("withdraw")
def participants_withdraw(
    directory: StudyDir,
    code: str = typer.Option(..., "--code", help="Participant code."),
    date: str = typer.Option(..., "--date", help="Date of withdrawal, YYYY-MM-DD."),
    scope: str = typer.Option("", "--scope", help="What the withdrawal covers."),
    remove_data: bool = typer.Option(False, "--remove-data",
                                     help="Data collected so far may not be kept: remove their transcripts, "
                                          "recordings and quotations from the study."),
):
    """Record a participant's withdrawal, and with --remove-data remove what they said from the study."""
    from reverie.services.study.participants import withdraw

    record = withdraw(open_dir(directory), code, withdrawn_on=date, scope=scope, keep_data_collected=not remove_data)
    out.print(f"{code} withdrawn")
    removed = record.removed or {}
    if removed:
        out.print(f"removed: {removed['transcript_versions']} transcript version(s), {removed['transcript_lines']} "
                  f"line(s), {len(removed['recordings'])} recording(s), {removed['codings']} coding(s), "
                  f"{len(removed['extracts'])} extract(s), audit quotations of {len(removed['audit_words_erased'])} "
                  "event(s)")
        for entry in removed["made_before"]:
            out.print(f"made before the withdrawal and still holding their words: {entry['file']} "
                      f"({entry['modified']})")


@interviews_app.command("add")
def interviews_add(
    directory: StudyDir,
    participant: str = typer.Option(..., "--participant", help="Participant code, e.g. P1."),
    round_no: int = typer.Option(..., "--round", help="Interview round (1, 2, …)."),
    date: str = typer.Option(None, "--date", help="Date of the interview, YYYY-MM-DD."),
    duration_min: float = typer.Option(None, "--duration-min", help="Duration in minutes."),
    purpose: str = typer.Option("narrative", "--purpose", help="narrative, fani_followup or member_reflection."),
    location: str = typer.Option("", "--location", help="Where it took place, e.g. workplace."),
    recording: Path = typer.Option(None, "--recording", help="The recording to copy into the study."),
):
    """Record an interview and optionally attach its recording."""
    from reverie.services.study.interviews import add_interview

    add_interview(open_dir(directory), participant, round_no, held_on=date, duration_min=duration_min,
                  purpose=purpose, location_type=location, recording=recording)
    out.print(f"added {participant} round {round_no}")


@interviews_app.command("list")
def interviews_list(directory: StudyDir, fmt: ListFormat = "table"):
    """List interviews by round with their status."""
    from reverie.services.study.interviews import InterviewSummary, list_interviews

    rows = as_rows(list_interviews(open_dir(directory, read_only=True)), code="participant")
    print_rows(rows, fmt, keys=field_names(InterviewSummary, code="participant"),
               view=["round", "participant", "status", "held_on", "duration_min", "purpose"])


@interviews_app.command("attach")
def interviews_attach(
    directory: StudyDir,
    participant: str = typer.Option(..., "--participant", help="Participant code."),
    round_no: int = typer.Option(..., "--round", help="Interview round."),
    recording: Path = typer.Argument(..., help="The recording file."),
):
    """Attach a recording to an interview (copied into media/, stored once by SHA-256)."""
    from reverie.services.study.interviews import attach_recording

    attach_recording(open_dir(directory), participant, round_no, recording)
    out.print(f"attached {recording.name}")


@interviews_app.command("detach")
def interviews_detach(
    directory: StudyDir,
    participant: str = typer.Argument(..., help="Participant code, e.g. P1."),
    round_no: int = typer.Option(..., "--round", help="Interview round."),
    why: str = typer.Option(..., "--why", help="Why it is detached (recorded in the audit log)."),
    name: str = typer.Option(None, "--recording",
                             help="The file name it was attached under, when the interview has several "
                                  "(default: the latest)."),
):
    """Detach a recording attached by mistake; the one attached before it is used again.

    The media file stays in the study while another interview still uses it.
    """
    from reverie.services.study.interviews import detach_recording, find_recording

    study = open_dir(directory)
    detached = detach_recording(study, participant, round_no, why=why, name=name)
    now = find_recording(study, participant, round_no)
    out.print(f"detached {detached.original_name} from {participant} round {round_no}; "
              + (f"its recording is now {now.original_name}" if now else "it has no recording now"))


@schedule_app.command("add")
def schedule_add(
    directory: StudyDir,
    file: Path = typer.Argument(..., help="A text file with one question per line."),
):
    """Save a new schedule version from a text file (one question per line) and check it."""
    from reverie.services.study.interviews import add_schedule

    if not file.is_file():
        fail(f"{file}: no such file")
    questions = [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    schedule = add_schedule(open_dir(directory), questions)
    out.print(f"saved schedule version {schedule.version} ({len(questions)} questions)")
    schedule_check(directory, schedule.version)


@schedule_app.command("check")
def schedule_check(
    directory: StudyDir,
    version: int = typer.Option(None, "--version", help="Schedule version (default: the latest)."),
):
    """Advice for a free-association narrative interview: why-questions, closed, double-barrelled, leading."""
    from reverie.services.study.interviews import check_schedule

    for advice in check_schedule(open_dir(directory), version):
        mark = "ok " if not advice.findings else "!! "
        out.print(f"{mark}{advice.seq}. {advice.question}")
        for finding in advice.findings:
            out.print(f"     {finding.rule}: {finding.reason}")


@audit_app.command("verify")
def audit_verify(
    directory: StudyDir,
    anchor: Path = typer.Option(None, "--anchor",
                                help="An anchor written by `reverie audit anchor`: prove the chain still extends it."),
):
    """Prove the audit chain holds; exit 1 naming the first broken event when it does not."""
    from reverie.services.study.studies import verify_audit

    check = verify_audit(open_dir(directory), anchor)
    if check.ok:
        extends = f"; it extends the anchor {anchor}" if anchor is not None else ""
        out.print(f"audit chain holds: {check.events} events{extends}")
        return
    err.print(f"audit chain broken at event {check.first_bad_seq}: {check.reason}")
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    directory: StudyDir,
    output: Path = typer.Option(None, "-o", "--output", help="Write the anchor to this file instead of the terminal."),
):
    """Write the audit chain's head (event number, link, time) to keep outside the study, e.g. in a lab notebook."""
    from reverie.services.study.studies import anchor_audit

    anchor = anchor_audit(open_dir(directory), output)
    if output is None:
        out.print(anchor.dump(), end="")
    else:
        out.print(f"anchored event {anchor.seq} of the audit chain in {output}")


@audit_app.command("log")
def audit_log(
    directory: StudyDir,
    last: int = typer.Option(20, "--last", help="How many recent events to show."),
    fmt: ListFormat = "table",
):
    """Show the most recent audit events: who, when, what, why."""
    from reverie.services.system.auditing import recent_events

    keys = ("seq", "at", "actor", "os_user", "action", "target", "why")
    rows = [{key: getattr(event, key) for key in keys} for event in recent_events(open_dir(directory), last)]
    print_rows(rows, fmt, keys=keys,
               view=["seq", ("at", lambda row: row["at"][:19].replace("T", " ")), "actor", "os_user", "action",
                     "target", "why"])
