"""The study overview: Table 1, interviews by round with how far each has come, and running jobs."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request

from reverie.services.study.context import OpenStudy
from reverie.services.study.reading import list_interviews, participant_table
from reverie.services.system.job_reading import JobStatus, list_jobs, sweep_interrupted_jobs
from reverie.web.deps import CurrentStudy, render

router = APIRouter(tags=["overview"])

SHOWN = 20  # jobs in the table


def recent_jobs(study: OpenStudy) -> list[JobStatus]:
    """The jobs the table shows, newest first: the overview embeds the table the jobs fragment polls.

    It lives here, not with the jobs routes, so the first page does not build those; its reads are
    plain SQL, so the first page does not load the ORM models either.
    """
    sweep_interrupted_jobs(study)
    return list_jobs(study, limit=SHOWN)


@router.get("/", name="overview")
def overview(request: Request, study: CurrentStudy):
    interviews = list_interviews(study)
    rounds = [(number, list(rows)) for number, rows in groupby(interviews, key=lambda row: row.round)]
    return render(request, "overview.html", table=participant_table(study), rounds=rounds, jobs=recent_jobs(study))
