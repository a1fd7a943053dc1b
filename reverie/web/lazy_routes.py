"""The local workbench's route modules, each imported the first time a request reaches one of its paths.

Building every route was most of what ``reverie serve`` did before answering its first page: the
twenty route modules bring in most of the services (reports, exports, coding, involvement), and
FastAPI builds each route twice, once when the module declares it and again when the app first
routes a request through the including router. Here each module is a :class:`LazyRouter` in the
app's routes, in the order the modules were included:

- URLs (``url_for`` in every page's navigation) come from :data:`reverie.web.routes.index.ROUTES`,
  names and paths only, until the module is loaded; then from its real routes;
- a request whose path is one of the module's loads it (under a lock: requests run in threads)
  and goes on exactly as through ``app.include_router``, which builds what the app routes to;
- :class:`Stragglers`, last, covers a stale table: a path or name no table entry knew loads every
  module once and looks again, so a missing entry costs speed, never a page.

The guard, the body limit and the security headers wrap the app, not the routes, so a route
loaded late is behind them like every other.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path, replace_params
from starlette.types import Receive, Scope, Send

from reverie.web.routes import MODULES, router_of
from reverie.web.routes.index import ROUTES

# Where a match found by Stragglers remembers which router it was, for its handle().
_CHOSEN = "reverie.lazy_route"


class LazyRoutes:
    """All of the workbench's route modules for one app: :meth:`install` puts them in its routes."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.routers = [LazyRouter(self, module, ROUTES.get(module, ())) for module in MODULES]

    def install(self) -> None:
        self.app.router.routes.extend([*self.routers, Stragglers(self)])

    def include(self, module: str) -> BaseRoute:
        """The module's router as ``app.include_router`` would have put it in the app's routes.

        It is built on a router of its own, set up as the app's (dependency overrides come from
        the app), so the app's route list is never changed while requests walk it.
        """
        holder = APIRouter(dependency_overrides_provider=self.app)
        holder.include_router(router_of(module))
        (included,) = holder.routes
        return included

    def load_all(self) -> None:
        for router in self.routers:
            router.load()


class LazyRouter(BaseRoute):
    """One route module: its URLs from the table until it is loaded, its real routes after."""

    def __init__(self, owner: LazyRoutes, module: str, routes: tuple[tuple[str, str], ...]) -> None:
        self.owner, self.module, self.routes = owner, module, routes
        self.included: BaseRoute | None = None
        self._patterns: list[re.Pattern] | None = None
        self._formats: dict[str, tuple[str, dict] | None] = {}  # route name → its path format and convertors

    def __repr__(self) -> str:
        return f"LazyRouter({self.module!r}, loaded={self.included is not None})"

    def load(self) -> BaseRoute:
        if self.included is None:
            with self.owner.lock:
                if self.included is None:
                    self.included = self.owner.include(self.module)
        return self.included

    def _paths(self) -> list[re.Pattern]:
        if self._patterns is None:  # compiled when first needed: most modules wait for a request to one of theirs
            self._patterns = [compile_path(path)[0] for _, path in self.routes]
        return self._patterns

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.included is None:
            if scope["type"] != "http":
                return Match.NONE, {}
            path = _route_path(scope)
            if not any(pattern.match(path) for pattern in self._paths()):
                return Match.NONE, {}
        return self.load().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.load().handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.included is not None:
            return self.included.url_path_for(name, **path_params)
        if name not in self._formats:
            path = next((path for route_name, path in self.routes if route_name == name), None)
            self._formats[name] = None if path is None else compile_path(path)[1:]
        known = self._formats[name]
        # As a Starlette route builds it: the name and exactly its parameters.
        if known is None or set(path_params) != set(known[1]):
            raise NoMatchFound(name, path_params)
        url, remaining = replace_params(known[0], known[1], dict(path_params))
        assert not remaining
        return URLPath(path=url, protocol="http")


class Stragglers(BaseRoute):
    """Last in the app's routes: what the table did not know, found by loading every module."""

    def __init__(self, owner: LazyRoutes) -> None:
        self.owner = owner

    def _all_loaded(self) -> bool:
        return all(router.included is not None for router in self.owner.routers)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self._all_loaded():  # every router has already answered for itself
            return Match.NONE, {}
        self.owner.load_all()
        partial: tuple[Match, Scope] | None = None
        for router in self.owner.routers:
            match, child_scope = router.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, _CHOSEN: router}
            if match is Match.PARTIAL and partial is None:
                partial = match, {**child_scope, _CHOSEN: router}
        return partial or (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[_CHOSEN].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if not self._all_loaded():
            self.owner.load_all()
            for router in self.owner.routers:
                try:
                    return router.url_path_for(name, **path_params)
                except NoMatchFound:
                    pass
        raise NoMatchFound(name, path_params)


def _route_path(scope: Scope) -> str:
    """The request's path below the workbench's prefix, as the routes match it.

    Only a first look: a path judged wrongly here loads a module early or is found by Stragglers.
    """
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root + "/") else path


def every_route(app: FastAPI) -> list[BaseRoute]:
    """The app's routes with every lazy module loaded and in its place: what ``app.routes`` would
    hold had each been included eagerly (for checks that walk every route, such as the guard's tests)."""
    routes = []
    for route in app.routes:
        if isinstance(route, LazyRouter):
            routes.append(route.load())
        elif not isinstance(route, Stragglers):
            routes.append(route)
    return routes
