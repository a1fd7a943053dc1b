"""The ``reverie`` command: a thin front over the services (parse, call one function, print).

The command modules are imported only when one of their commands runs (see
:class:`reverie.cli.app.ReverieGroup` and :mod:`reverie.cli.index`), so ``reverie --help`` and
every command start without loading the rest.
"""

from __future__ import annotations

import sys

from reverie.cli.app import app


def main() -> None:
    app(prog_name="reverie")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
