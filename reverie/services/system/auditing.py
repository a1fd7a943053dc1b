"""Reading the audit log (the writing side lives in the store and OpenStudy.write)."""

from __future__ import annotations

import itertools
import re

from sqlalchemy import select

from reverie.services.study.context import OpenStudy
from reverie.store.models import AuditEvent


def recent_events(study: OpenStudy, last: int = 20) -> list[AuditEvent]:
    with study.read() as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.study_id == study.study_id)
                         .order_by(AuditEvent.seq.desc()).limit(last)).scalars().all()
        return list(reversed(rows))


# Options whose values are never written to the log.
_SECRET = re.compile(r"pass|secret|token|key|database|url", re.IGNORECASE)


def record_cli_access(study: OpenStudy, args: list[str], folder: str) -> None:
    """Audit a command run on a team study, as the team server audits every page it serves.

    A team study's database is shared; whoever can run the CLI against it reads as much as the
    web shows, so each command leaves a ``read`` event naming the command (the words before the
    study folder), its other arguments (never a secret option's value) and, as every event does,
    the operating-system user. A single-user study's reads are not logged.
    """
    if study.is_sqlite:
        return
    words = list(itertools.takewhile(lambda arg: arg != folder and not arg.startswith("-"), args))
    rest = args[len(words):]
    shown = ["…" if index and _SECRET.search(rest[index - 1]) and rest[index - 1].startswith("-") else arg
             for index, arg in enumerate(rest)]
    study.record("read", target=" ".join(["cli:reverie", *words])[:300], payload={"via": "cli", "args": shown})
