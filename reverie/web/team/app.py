"""The team workbench: the same routers as local mode, behind accounts, roles, CSRF and read auditing.

``create_team_app`` builds what ``reverie server --config team.toml`` serves: every router of
:data:`reverie.web.routes.ROUTERS` included with the policy guard of its section, the reviewer
portal, and the sign-in pages, all behind :class:`~reverie.web.team.guard.TeamGuard`. Routes ask
for the current study as in local mode; here they are given a copy whose audit actor is the
signed-in user.
"""

from __future__ import annotations

import ipaddress

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from reverie.services.study.context import OpenStudy
from reverie.services.system.config import TeamSettings
from reverie.services.system.members import open_team_study
from reverie.web.app import study_lifespan
from reverie.web.deps import HERE, current_study
from reverie.web.errors import install_error_handlers
from reverie.web.limits import BodyLimit
from reverie.web.routes import ROUTERS
from reverie.web.security import send_security_headers
from reverie.web.team import auth, portal
from reverie.web.team.guard import TeamGuard, acting_study, guard, install_team_handlers
from reverie.web.team.policy import section_of
from reverie.web.team.sessions import LoginThrottle, Sessions


def cookies_must_be_secure(settings: TeamSettings) -> bool:
    """Secure cookies unless the server listens on this machine only.

    Bound to another address, the server belongs behind an HTTPS reverse proxy (health data never
    crosses a network in clear), so its cookies are Secure whatever scheme the proxy forwards.
    """
    if settings.host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return True


def create_team_app(settings: TeamSettings, *, study: OpenStudy | None = None,
                    secure_cookies: bool | None = None) -> FastAPI:
    """The team workbench for the configured study; pass ``study`` when it is already open."""
    study = study or open_team_study(settings)
    secure = cookies_must_be_secure(settings) if secure_cookies is None else secure_cookies

    app = FastAPI(title="Reverie team", lifespan=study_lifespan(study), docs_url=None, redoc_url=None, openapi_url=None)
    app.state.study = study
    app.state.sessions = Sessions()
    app.state.throttle = LoginThrottle()
    app.state.secure_cookies = secure
    # Starlette would redirect a stray trailing slash to an absolute URL built from the Host header.
    app.router.redirect_slashes = False
    app.add_middleware(TeamGuard, study=study, sessions=app.state.sessions, secure=secure)
    # outermost: no body is read past its cap, not even by the guard; recordings up to the media limit
    app.add_middleware(BodyLimit, media_limit=settings.media_limit_bytes)
    send_security_headers(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router, dependencies=[guard(section_of(router))])
    app.include_router(portal.router, dependencies=[guard(section_of(portal.router))])
    app.include_router(auth.router)
    app.include_router(auth.account, dependencies=[guard(section_of(auth.account))])
    install_error_handlers(app)
    install_team_handlers(app)
    app.dependency_overrides[current_study] = acting_study
    return app
