"""Reading the audit log (the writing side lives in the store and OpenStudy.write)."""

from __future__ import annotations

from sqlalchemy import select

from reverie.services.study.context import OpenStudy
from reverie.store.models import AuditEvent


def recent_events(study: OpenStudy, last: int = 20) -> list[AuditEvent]:
    with study.read() as s:
        rows = s.execute(select(AuditEvent).where(AuditEvent.study_id == study.study_id)
                         .order_by(AuditEvent.seq.desc()).limit(last)).scalars().all()
        return list(reversed(rows))
