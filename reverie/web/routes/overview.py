"""The study overview: Table 1, interviews by round with how far each has come, and running jobs."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request

from reverie.services.study.interviews import list_interviews
from reverie.services.study.participants import participant_table
from reverie.web.deps import CurrentStudy, render
from reverie.web.routes.jobs import recent_jobs

router = APIRouter(tags=["overview"])


@router.get("/", name="overview")
def overview(request: Request, study: CurrentStudy):
    interviews = list_interviews(study)
    rounds = [(number, list(rows)) for number, rows in groupby(interviews, key=lambda row: row.round)]
    return render(request, "overview.html", table=participant_table(study), rounds=rounds, jobs=recent_jobs(study))
