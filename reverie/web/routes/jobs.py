"""Jobs (transcription, prosody, exports) with their progress, as a fragment the overview polls.

Listing them first marks interrupted the jobs whose worker is gone or silent (so a killed
transcription does not poll "running" for ever), and a failed job has a Retry button.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from reverie.services.study.context import OpenStudy
from reverie.services.system.jobs import JobStatus, list_jobs, retry_job, sweep_interrupted_jobs
from reverie.web.deps import CurrentStudy, render

router = APIRouter(tags=["jobs"])

SHOWN = 20


def recent_jobs(study: OpenStudy) -> list[JobStatus]:
    """The jobs the table shows, newest first; the overview embeds the same table on first load."""
    sweep_interrupted_jobs(study)
    return list_jobs(study, limit=SHOWN)


@router.get("/jobs", name="jobs")
def jobs_fragment(request: Request, study: CurrentStudy):
    """The jobs table; it asks to be polled again only while a job is queued or running."""
    return render(request, "_jobs.html", jobs=recent_jobs(study))


@router.post("/jobs/{job_id}/retry", name="retry_job")
def retry(request: Request, study: CurrentStudy, job_id: int = Path(ge=1, le=2**63 - 1)):
    """Queue a failed or interrupted job again (its finished chunks are kept) and show the table."""
    retry_job(study, job_id)
    return render(request, "_jobs.html", jobs=recent_jobs(study))
