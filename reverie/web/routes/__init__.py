"""One router per resource; the app includes each of :data:`ROUTERS`."""

from reverie.web.routes import corrections, jobs, overview, search, transcripts

ROUTERS = (overview.router, jobs.router, transcripts.router, corrections.router, search.router)
