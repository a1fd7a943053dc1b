"""The ``reverie`` command: a thin front over the services (parse, call one function, print)."""

from __future__ import annotations

import sys

from reverie.cli import analysis as _analysis  # noqa: F401
from reverie.cli import exchange as _exchange  # noqa: F401
from reverie.cli import jobs as _jobs  # noqa: F401
from reverie.cli import ops as _ops  # noqa: F401
from reverie.cli import plugins as _plugins  # noqa: F401
from reverie.cli import privacy as _privacy  # noqa: F401
from reverie.cli import reports as _reports  # noqa: F401
from reverie.cli import serve as _serve  # noqa: F401
from reverie.cli import speech as _speech  # noqa: F401
from reverie.cli import study as _study  # noqa: F401  (registers commands)
from reverie.cli import team as _team  # noqa: F401
from reverie.cli import themes as _themes  # noqa: F401
from reverie.cli import transcripts as _transcripts  # noqa: F401
from reverie.cli.app import app


def main() -> None:
    app(prog_name="reverie")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
