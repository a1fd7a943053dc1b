"""``reverie server`` (the team server) and ``reverie users`` (accounts and roles in a study)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from reverie.cli.app import app
from reverie.cli.common import ListFormat, StudyDir, open_dir
from reverie.cli.output import err, out, print_rows
from reverie.core import vocab
from reverie.core.errors import InvalidInput

users_app = typer.Typer(help="Team accounts: who may sign in to the team server, in which role.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")


def run_server(config: Path) -> None:
    """Serve the configured study to the team until interrupted; the first line printed is its URL."""
    import uvicorn

    from reverie.cli.serve import listening_socket
    from reverie.services.system import jobs
    from reverie.services.system.config import load_settings
    from reverie.services.system.members import open_team_study
    from reverie.web.team.app import create_team_app

    settings = load_settings(config)
    study = open_team_study(settings)
    try:
        sock = listening_socket(settings.host, settings.port, "change `port` in the settings")
    except InvalidInput:
        study.close()
        raise
    app = create_team_app(settings, study=study)
    print(f"http://{settings.host}:{settings.port}/", flush=True)
    if app.state.secure_cookies:
        err.print("cookies are Secure: serve this address through an HTTPS reverse proxy")
    if settings.names_redis:
        from reverie.jobs.worker import DramatiqQueue

        jobs.configure_queue(study, DramatiqQueue(settings))
        err.print(f"jobs go to the workers on {settings.namespace} (start them with `reverie worker --config`)")
    else:
        jobs.configure_queue(study, jobs.InProcessQueue(study))
        err.print("jobs run in this process (name `redis` in the settings to use workers)")
    # X-Forwarded-For/-Proto count only from the proxies the settings name: from anyone else they
    # would let a client pick the address its failed sign-ins are counted against.
    trusted = list(settings.trusted_proxies)
    server_config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=bool(trusted),
                                   forwarded_allow_ips=trusted or None)
    try:
        uvicorn.Server(server_config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C stops the server; uvicorn has already shut down cleanly.


@app.command("server")
def server_command(
    config: Path = typer.Option(..., "--config", help="The team.toml naming the study, host, port and Redis."),
):
    """Serve a PostgreSQL study to a team: accounts, roles, CSRF protection, every read audited."""
    run_server(config)


def _password() -> str:
    password = os.environ.get("REVERIE_PASSWORD")
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def users_add(
    directory: StudyDir,
    username: str = typer.Option(..., "--username", help="The name they sign in with (letters, digits, . _ -)."),
    role: str = typer.Option("analyst", "--role", help=f"Their role: {', '.join(vocab.TEAM_ROLES)}."),
    participant: str = typer.Option(None, "--participant",
                                    help="For a participant_reviewer: "
                                         "the participant whose packet they review (e.g. P1)."),
    group: str = typer.Option(None, "--group", help="For a ppi_member: their PPI group's label (e.g. PPI-A)."),
    display_name: str = typer.Option("", "--display-name",
                                     help="The name shown on their pages (default: the username)."),
):
    """Add an account with its role in the study (password from REVERIE_PASSWORD or a prompt)."""
    from reverie.services.system.members import add_user

    study = open_dir(directory)
    try:
        member = add_user(study, username, _password(), role=role, participant=participant, group=group,
                          display_name=display_name)
    finally:
        study.close()
    tied = f" for {member.participant or member.group}" if member.participant or member.group else ""
    out.print(f"added {member.username} as {member.role}{tied}")


@users_app.command("list")
def users_list(directory: StudyDir, fmt: ListFormat = "table"):
    """List the study's accounts: username, role, who they review for, and whether disabled."""
    from reverie.services.system.members import list_members

    study = open_dir(directory)
    try:
        members = list_members(study)
    finally:
        study.close()
    keys = ["username", "role", "reviews_for", "status", "display_name"]
    rows = [{"username": m.username, "role": m.role, "reviews_for": m.participant or m.group,
             "status": "disabled" if m.disabled else "active", "display_name": m.display_name} for m in members]
    print_rows(rows, fmt, keys=keys)


@users_app.command("disable")
def users_disable(
    directory: StudyDir,
    username: str = typer.Option(..., "--username", help="The account to disable."),
    why: str = typer.Option("", "--why", help="Why, for the audit log."),
):
    """Stop an account signing in; its open sessions end at their next request."""
    from reverie.services.system.members import disable_user

    study = open_dir(directory)
    try:
        member = disable_user(study, username, why=why)
    finally:
        study.close()
    out.print(f"disabled {member.username}")


def _account_change(change, directory: Path, username: str, **options):
    """Open the study, make one change to an account, close the study; the member as it now is."""
    study = open_dir(directory)
    try:
        return change(study, username, **options)
    finally:
        study.close()


@users_app.command("password")
def users_password(
    directory: StudyDir,
    username: str = typer.Option(..., "--username", help="The account whose password to set."),
    why: str = typer.Option("", "--why", help="Why, for the audit log."),
):
    """Set an account's password (from REVERIE_PASSWORD or a prompt); its open sessions end at once."""
    from reverie.services.system.members import set_password

    member = _account_change(set_password, directory, username, password=_password(), why=why)
    out.print(f"set a new password for {member.username}; their open sessions have ended")


@users_app.command("role")
def users_role(
    directory: StudyDir,
    username: str = typer.Option(..., "--username", help="The account whose role to change."),
    role: str = typer.Option(..., "--role", help=f"Their new role: {', '.join(vocab.TEAM_ROLES)}."),
    participant: str = typer.Option(None, "--participant",
                                    help="For a participant_reviewer: the participant whose packet they review."),
    group: str = typer.Option(None, "--group", help="For a ppi_member: their PPI group's label."),
    why: str = typer.Option("", "--why", help="Why, for the audit log."),
):
    """Change an account's role in the study; its open sessions end at once."""
    from reverie.services.system.members import set_role

    member = _account_change(set_role, directory, username, role=role, participant=participant, group=group,
                             why=why)
    tied = f" for {member.participant or member.group}" if member.participant or member.group else ""
    out.print(f"{member.username} is now {member.role}{tied}; their open sessions have ended")


@users_app.command("enable")
def users_enable(
    directory: StudyDir,
    username: str = typer.Option(..., "--username", help="The disabled account to let sign in again."),
    why: str = typer.Option("", "--why", help="Why, for the audit log."),
):
    """Let a disabled account sign in again."""
    from reverie.services.system.members import enable_user

    member = _account_change(enable_user, directory, username, why=why)
    out.print(f"enabled {member.username}")
