"""Jobs (transcription, prosody, exports) with their progress, as a fragment the overview polls."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reverie.services.study.context import OpenStudy
from reverie.services.system.jobs import JobStatus, list_jobs
from reverie.web.deps import CurrentStudy, render

router = APIRouter(tags=["jobs"])

SHOWN = 20


def recent_jobs(study: OpenStudy) -> list[JobStatus]:
    """The jobs the table shows, newest first; the overview embeds the same table on first load."""
    return list_jobs(study, limit=SHOWN)


@router.get("/jobs", name="jobs")
def jobs_fragment(request: Request, study: CurrentStudy):
    """The jobs table; it asks to be polled again only while a job is queued or running."""
    return render(request, "_jobs.html", jobs=recent_jobs(study))
