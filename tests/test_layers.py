"""The layers of ARCHITECTURE.md hold: imports point downward only, and modules stay small.

core imports nothing of ours; store and the adapters (formats, speech, privacy) import only core;
services import store, adapters and core; the fronts (cli, web, the worker) import services and
core, never the store. Relative imports are resolved before they are judged.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reverie"

LAYERS = {
    "core": "core",
    "store": "store",
    "formats": "adapters", "speech": "adapters", "privacy": "adapters",
    "services": "services",
    "cli": "fronts", "web": "fronts", "jobs": "fronts",
}
MAY_IMPORT = {
    "core": {"core"},
    "store": {"core", "store"},
    "adapters": {"core", "adapters", "plugins"},
    "services": {"core", "store", "adapters", "services", "plugins"},
    "fronts": {"core", "services", "fronts", "plugins"},
    "plugins": {"core", "plugins"},
}
MAX_LINES = 800
GENERATED = ("store/migrations/versions/",)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "reverie" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1], "plugins" if parts[1] in {"plugins", "hookspecs"} else None)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_downward(path):
    layer = _layer(_module_name(path))
    if layer is None:
        return
    wrong = [f"line {line}: {target} ({_layer(target)})" for line, target in _imports(path)
             if _layer(target) is not None and _layer(target) not in MAY_IMPORT[layer]]
    assert not wrong, f"{path.relative_to(PACKAGE)} is in {layer} and imports upward or sideways: {wrong}"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_modules_stay_small(path):
    rel = path.relative_to(PACKAGE).as_posix()
    if rel.startswith(GENERATED):
        return
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{rel} has {lines} lines; split it (at most {MAX_LINES})"


def test_services_live_in_their_groups():
    loose = sorted(p.name for p in (PACKAGE / "services").glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules directly in reverie/services/: {loose}"


def test_importing_the_services_package_imports_no_service():
    code = ("import sys, reverie.services; "
            "from reverie.services import participants; "
            "loaded = sorted(m for m in sys.modules if m.startswith('reverie.services.')); print(loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)  # a printed list of module names
    assert not any(m.startswith(("reverie.services.analysis", "reverie.services.transcripts",
                                 "reverie.services.output", "reverie.services.involvement")) for m in loaded), loaded
