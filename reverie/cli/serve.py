"""``reverie serve``: open a study in the browser workbench, on this computer only, behind one-time links.

The workbench lives under a random path prefix. The printed link and the one handed to the
browser each carry their own one-time code, so the browser's command line (which anyone on the
computer can read with ``ps``) holds nothing that opens the study once the browser has used it.
"""

from __future__ import annotations

import socket
from pathlib import Path

import typer

from reverie.cli.app import app
from reverie.cli.common import StudyDir, open_dir
from reverie.core.errors import InvalidInput


def listening_socket(host: str, port: int, advice: str) -> socket.socket:
    """A bound, listening socket whose connections send small responses at once.

    TCP_NODELAY (inherited by accepted connections) matters: without it Nagle's algorithm holds
    a response's second write until the client's delayed ACK, adding about 40 ms to every request.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidInput(f"cannot listen on {host}:{port} ({exc.strerror}); {advice}") from None
    sock.listen(128)
    return sock


def serve_study(directory: Path, *, port: int = 0, open_browser: bool = True, host: str = "127.0.0.1") -> None:
    """Serve the study until interrupted; the first line printed is a one-time link that opens it.

    A folder without a study (missing, empty, or holding other files) is served the New study
    page instead, which makes the study and then opens the workbench for it.
    """
    import uvicorn

    from reverie.services.study.setup import folder_state
    from reverie.web.app import create_app
    from reverie.web.security import LocalAccess

    making = folder_state(directory).kind != "study"
    study = None if making else open_dir(directory)
    # Bind before printing: with port 0 the system picks a free port, and the printed URL is right.
    try:
        sock = listening_socket(host, port, "choose another --port")
    except InvalidInput:
        if study is not None:
            study.close()
        raise
    access = LocalAccess()
    origin = f"http://{host}:{sock.getsockname()[1]}"
    print(access.link(origin), flush=True)
    print("Each link opens the workbench once, in one browser.", flush=True)
    if making:
        print(f"{directory} holds no study yet: the link opens the New study page, which makes one.", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(access.link(origin))
    if study is None:
        from reverie.web.setup import StudySwitch

        web_app = StudySwitch(directory, access)
    else:
        web_app = create_app(directory, access, study=study)
    # The workbench has no WebSocket routes, so the server loads no WebSocket protocol: an upgrade
    # request is answered as an ordinary HTTP request, behind the same guard.
    config = uvicorn.Config(web_app, log_level="warning", access_log=False, ws="none")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a researcher stops the workbench; uvicorn has already shut down cleanly.


@app.command("serve")
def serve_command(
    directory: StudyDir,
    port: int = typer.Option(0, "--port", show_default=False, help="Port to listen on (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL without opening a browser."),
):
    """Open the web workbench for a study, or start a new study there (local only: 127.0.0.1, one-time links)."""
    serve_study(directory, port=port, open_browser=not no_browser)
