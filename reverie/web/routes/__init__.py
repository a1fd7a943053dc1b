"""One router per resource; the app includes each of :data:`ROUTERS`."""

from reverie.web.routes import (
    affect,
    codebook,
    codings,
    consultations,
    corrections,
    extracts,
    imports,
    interviews,
    jobs,
    memos,
    overview,
    participants,
    reflexivity,
    reports,
    retrieval,
    schedule,
    search,
    study_facts,
    themes,
    transcripts,
)

ROUTERS = (overview.router, participants.router, interviews.router, schedule.router, imports.router, jobs.router,
           transcripts.router, corrections.router, search.router, codebook.router, retrieval.router, codings.router,
           extracts.router, themes.router, memos.router, reflexivity.router, consultations.router, reports.router,
           affect.router, study_facts.router)
