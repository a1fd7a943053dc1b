"""What a killed process leaves behind, told apart from what a live one is still writing.

A ``.part`` file (see :mod:`reverie.store.files`) names the process that writes it. While that
process runs, the file is work in progress and is left alone; once it is gone, the file is a
leftover, often a whole export of every transcript, and is removed. The same question (is that
process still there?) decides whether a job whose owner stopped beating was interrupted.

Process ids are only meaningful on the machine that made them, so these checks are for files on
this machine's disks and jobs whose ``owner_host`` is this host; a study folder shared over a
network with another computer's Reverie writing in it is outside what they can tell.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from reverie.store.files import PART_SUFFIX, part_writer, process_gone


def this_host() -> str:
    """The name jobs record as their owner's host."""
    return socket.gethostname()[:255]


def stale_parts(folder: Path, target_name: str | None = None) -> list[Path]:
    """The ``.part`` files in ``folder`` (for ``target_name`` only, when given) whose writer is gone.

    A ``.part`` whose name does not say its writer is left alone: it was not made by Reverie.
    """
    prefix = f".{target_name}." if target_name else "."
    found = []
    try:
        candidates = list(folder.glob(f"{prefix}*{PART_SUFFIX}"))
    except OSError:
        return []
    for path in candidates:
        writer = part_writer(path)
        if writer is not None and writer != os.getpid() and process_gone(writer) and path.is_file():
            found.append(path)
    return found


def sweep_parts(folder: Path, target_name: str | None = None) -> list[Path]:
    """Remove the leftovers :func:`stale_parts` finds; returns what was removed."""
    removed = []
    for path in stale_parts(folder, target_name):
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another process swept it first
        except OSError:
            continue  # not ours to remove (another user's folder): left for its owner
        removed.append(path)
    return removed
