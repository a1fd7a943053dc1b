"""One router per resource; the app includes each of :data:`ROUTERS`."""

from reverie.web.routes import (
    affect,
    codings,
    consultations,
    corrections,
    extracts,
    jobs,
    memos,
    overview,
    reflexivity,
    reports,
    search,
    transcripts,
)

ROUTERS = (overview.router, jobs.router, transcripts.router, corrections.router, search.router, codings.router,
           extracts.router, memos.router, reflexivity.router, consultations.router, reports.router, affect.router)
