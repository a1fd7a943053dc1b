"""``python -m reverie.cli``: the same command as ``reverie``."""

from reverie.cli import main

main()
