"""One router per resource; the app includes each of :data:`ROUTERS`."""

from reverie.web.routes import (
    codings, corrections, extracts, jobs, memos, overview, reflexivity, search, transcripts,
)

ROUTERS = (overview.router, jobs.router, transcripts.router, corrections.router, search.router, codings.router,
           extracts.router, memos.router, reflexivity.router)
