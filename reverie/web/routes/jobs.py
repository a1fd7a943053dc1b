"""Jobs (transcription, prosody, exports) with their progress, as a fragment the overview polls.

Listing them first marks interrupted the jobs whose worker is gone or silent (so a killed
transcription does not poll "running" for ever), and a failed job has a Retry button. A queued or
running job has a Cancel button. One job's progress bar (the import page's) is its own fragment;
its buttons post ``view=progress`` to get that bar back instead of the table.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request

from reverie.services.study.context import OpenStudy
from reverie.services.system.jobs import cancel_job, job_status, retry_job, sweep_interrupted_jobs
from reverie.web.deps import CurrentStudy, render
from reverie.web.routes.overview import recent_jobs

router = APIRouter(tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
View = Literal["table", "progress"]


def _shown(request: Request, study: OpenStudy, job_id: int, view: View):
    if view == "progress":
        return render(request, "_job_progress.html", job=job_status(study, job_id))
    return render(request, "_jobs.html", jobs=recent_jobs(study))


@router.get("/jobs", name="jobs")
def jobs_fragment(request: Request, study: CurrentStudy):
    """The jobs table; it asks to be polled again only while a job is queued or running."""
    return render(request, "_jobs.html", jobs=recent_jobs(study))


@router.get("/jobs/{job_id}", name="job_progress")
def progress(request: Request, study: CurrentStudy, job_id: JobId):
    """One job's progress bar; it asks to be polled again only while the job is queued or running."""
    sweep_interrupted_jobs(study)
    return render(request, "_job_progress.html", job=job_status(study, job_id))


@router.post("/jobs/{job_id}/retry", name="retry_job")
def retry(request: Request, study: CurrentStudy, job_id: JobId, view: View = Form("table")):
    """Queue a failed or interrupted job again (its finished chunks are kept) and show the table."""
    retry_job(study, job_id)
    return _shown(request, study, job_id, view)


@router.post("/jobs/{job_id}/cancel", name="cancel_job")
def cancel(request: Request, study: CurrentStudy, job_id: JobId, view: View = Form("table")):
    """Stop a queued or running job (audited; nothing it was making is stored) and show the table."""
    cancel_job(study, job_id)
    return _shown(request, study, job_id, view)
