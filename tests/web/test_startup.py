"""`reverie serve` answers its first page without loading the whole workbench, and still serves all of it.

The app includes each route module lazily (reverie/web/lazy_routes.py), building URLs from the
table in reverie/web/routes/index.py until a request reaches the module. These tests hold the
table to the routes the modules really declare, check what building the app and serving the
overview import, and check that a route the table does not know is still served.
"""

from __future__ import annotations

import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

import reverie.web.routes
from reverie.web import lazy_routes
from reverie.web.app import create_app
from reverie.web.routes import MODULES, router_of
from reverie.web.routes.index import ROUTES
from reverie.web.security import LocalAccess
from tests.web.conftest import PREFIX

# What only other pages need: the overview must not wait for them. Opening the study and the
# overview's reads are plain SQL, so the ORM models (and the audit module built on them) load only
# with the first page that needs them.
HEAVY = ("reverie.formats.report_writers", "reverie.formats.refi", "reverie.services.output", "reverie.speech",
         "reverie.privacy", "reverie.services.analysis", "reverie.services.involvement", "docx", "presidio_analyzer",
         "pydantic.v1", "reverie.store.models", "reverie.store.audit")

# Builds the app on the study in argv[1], opens the one-time link, and says what had been imported when.
FIRST_PAGE = """
import json, re, sys
from pathlib import Path
from reverie.web.app import create_app
from reverie.web.security import LocalAccess

def imported():
    return sorted(name for name in sys.modules if name.startswith(("reverie.", "pydantic", "docx", "presidio")))

access = LocalAccess("/s-test-prefix")
app = create_app(Path(sys.argv[1]), access)
built = imported()
from fastapi.testclient import TestClient
with TestClient(app, base_url="http://testserver") as client:
    page = client.get(f"/s-test-prefix/?once={access.issue_code()}")
    assert page.status_code == 200 and "Table 1" in page.text, page.status_code
    links = sorted(set(re.findall(r'href="(/s-test-prefix/[^"?#]*)', page.text)))
print(json.dumps({"built": built, "served": imported(), "links": links}))
"""


def _table_source() -> str:
    """The ROUTES table for reverie/web/routes/index.py, as it should read."""
    lines = []
    for module in MODULES:
        entry = f"    {json.dumps(module)}: ("
        parts = [f"({json.dumps(route.name)}, {json.dumps(route.path)})" for route in router_of(module).routes]
        rows, line = [], entry
        for i, part in enumerate(parts):
            piece = part + ("," if i < len(parts) - 1 or len(parts) == 1 else "")
            if line != entry and len(line) + len(piece) + 3 > 118:
                rows.append(line.rstrip())
                line = " " * len(entry)
            line += piece + " "
        rows.append(line.rstrip() + "),")
        lines.append("\n".join(rows))
    return "\n".join(lines)


def test_the_modules_are_every_route_module_of_the_package():
    found = {m.name for m in pkgutil.iter_modules(reverie.web.routes.__path__)} - {"index"}
    assert set(MODULES) == found


def test_the_table_names_every_route_of_every_module_in_order():
    declared = {module: tuple((route.name, route.path) for route in router_of(module).routes) for module in MODULES}
    assert ROUTES == declared, "reverie/web/routes/index.py should read:\n" + _table_source()
    assert list(ROUTES) == list(MODULES)


def test_building_the_app_and_serving_the_overview_imports_only_what_the_overview_needs(study_dir: Path):
    result = subprocess.run([sys.executable, "-c", FIRST_PAGE, str(study_dir)], capture_output=True, text=True,
                            check=True)
    seen = json.loads(result.stdout.splitlines()[-1])
    route_modules = {f"reverie.web.routes.{module}" for module in MODULES}
    assert not route_modules & set(seen["built"])
    assert route_modules & set(seen["served"]) == {"reverie.web.routes.overview"}
    heavy = [name for name in seen["served"] if name.startswith(HEAVY)]
    assert not heavy, f"the first page imported {heavy}"
    # Its links to the rest of the workbench came from the table, and lead where the routes are.
    assert {"/s-test-prefix/participants", "/s-test-prefix/codebook", "/s-test-prefix/report"} <= set(seen["links"])


def test_every_url_built_from_the_table_is_the_one_the_loaded_route_builds(study_dir: Path):
    app = create_app(study_dir, LocalAccess(PREFIX))
    sample = {"code": "P1", "round_no": "1", "handle": "E1", "consultation_id": "2", "response_id": "3",
              "fmt": "docx", "job_id": "4", "code_id": "5", "coding_id": "6", "theme_id": "7", "number": "8"}
    lazy = [route for route in app.routes if isinstance(route, lazy_routes.LazyRouter)]
    for router in lazy:
        for name, path in router.routes:
            params = {key: sample[key] for key in re.findall(r"{(\w+)", path)}
            from_table = router.url_path_for(name, **params)
            assert router.load().url_path_for(name, **params) == from_table, (name, path)
    assert all(router.included is not None for router in lazy)


def test_a_route_the_table_does_not_know_is_still_served(study_dir: Path, monkeypatch):
    monkeypatch.setattr(lazy_routes, "ROUTES", {module: routes for module, routes in ROUTES.items()
                                                 if module != "participants"})
    app = create_app(study_dir, LocalAccess(PREFIX))
    with TestClient(app, base_url=f"http://testserver{PREFIX}/") as client:
        overview = client.get(f"/?once={app.state.access.issue_code()}")
        assert overview.status_code == 200
        assert f'href="{PREFIX}/participants' in overview.text  # url_for found it by loading the modules
        page = client.get("/participants/P1")
        assert page.status_code == 200 and "P1" in page.text
        assert client.get("/no-such-page").status_code == 404
