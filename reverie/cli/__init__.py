"""The ``reverie`` command: a thin front over the services (parse, call one function, print).

The command modules are imported only when one of their commands runs (see
:class:`reverie.cli.app.ReverieGroup` and :mod:`reverie.cli.index`), so ``reverie --help`` and
every command start without loading the rest.
"""

from __future__ import annotations

import gc
import sys

from reverie.cli.app import app


def main() -> None:
    try:
        app(prog_name="reverie")
    finally:
        # The process ends with the command. The interpreter's last collection would walk every
        # object the command made (for a transcription, the model's and the audio's among them)
        # only to free memory the system takes back anyway; frozen, they are passed over. It
        # was a third of a second at the end of `reverie transcribe`.
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
