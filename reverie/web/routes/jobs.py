"""Jobs (transcription, prosody, exports) with their progress, as a fragment the overview polls."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from reverie.services.context import OpenStudy
from reverie.store.models import Job
from reverie.web.deps import CurrentStudy, render

router = APIRouter(tags=["jobs"])

ACTIVE = ("queued", "running")


def recent_jobs(study: OpenStudy, limit: int = 20) -> list[Job]:
    """The latest jobs, newest first.

    Read here only until the services layer has a jobs module; it is a plain read of the jobs table.
    """
    with study.read() as s:
        rows = s.execute(select(Job).where(Job.study_id == study.study_id)
                         .order_by(Job.id.desc()).limit(limit)).scalars().all()
        for row in rows:
            s.expunge(row)
        return list(rows)


@router.get("/jobs", name="jobs")
def jobs_fragment(request: Request, study: CurrentStudy):
    """The jobs table; it asks to be polled again only while a job is queued or running."""
    return render(request, "_jobs.html", jobs=recent_jobs(study))
