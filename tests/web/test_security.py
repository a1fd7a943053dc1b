"""Nothing is served without a session from a one-time link: every route, every method, static files included.

The cross-port, CSRF and header attacks against the real server are in tests/security/test_local_*.py.
"""

from __future__ import annotations

import re

from starlette.routing import Mount

from reverie.web.lazy_routes import every_route

# Values for path parameters, so each route's URL can be built.
SAMPLE = {"code": "P1", "round_no": "1", "handle": "E1", "path": "app.js", "consultation_id": "1",
          "response_id": "1"}


def all_routes(app) -> list:
    """The app's routes, every lazily included module loaded and included routers flattened
    (newer FastAPI keeps them nested)."""
    routes = every_route(app)
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return routes
    return list(iter_route_contexts(routes))


def every_request(app) -> list[tuple[str, str]]:
    """(method, url) for every route the app has, so a new route cannot escape the guard."""
    requests = []
    for route in all_routes(app):
        path = re.sub(r"{(\w+)(:\w+)?}", lambda m: SAMPLE.get(m[1], "x"), route.path)
        if isinstance(getattr(route, "original_route", route), Mount):
            requests.append(("GET", path + "/app.js"))
        else:
            requests += [(method, path) for method in sorted(route.methods or {"GET"})]
    return requests


def test_every_route_refuses_a_request_without_a_session(app, anonymous):
    requests = every_request(app)
    assert ("GET", "/") in requests and ("GET", "/static/app.js") in requests
    for method, url in requests:
        response = anonymous.request(method, url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "link" in response.text


def test_a_wrong_code_or_cookie_is_refused(app, anonymous):
    assert anonymous.get("/?once=guess").status_code == 403
    anonymous.cookies.set("reverie_workbench", "guess")
    for method, url in every_request(app):
        assert anonymous.request(method, url).status_code == 403, (method, url)


def test_a_code_becomes_an_httponly_strict_cookie_for_the_prefix_and_leaves_the_url(app, anonymous):
    code = app.state.access.issue_code()
    response = anonymous.get(f"/search?q=milk&once={code}")
    assert response.status_code == 303
    assert response.headers["location"] == "/s-test-prefix/search?q=milk"
    cookie = response.headers["set-cookie"]
    assert "reverie_workbench=" in cookie and code not in cookie
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/s-test-prefix/" in cookie
    assert anonymous.get("/search?q=milk").status_code == 200


def test_static_files_cannot_reach_outside_their_folder(client):
    assert client.get("/static/app.js").status_code == 200
    for url in ("/static/../study.db", "/static/%2e%2e/study.db", "/static/..%2fstudy.toml"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "SQLite" not in response.text


def test_audio_is_found_by_interview_never_by_a_path(client):
    response = client.get("/interviews/P1/1/audio")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/x-wav"
    assert response.content.startswith(b"RIFF")
    ranged = client.get("/interviews/P1/1/audio", headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == b"RIFF"
    missing = client.get("/interviews/P2/1/audio")
    assert missing.status_code == 404 and "no recording" in missing.text
