"""One router per resource, one module each; :data:`MODULES` names them in the order the app includes them.

The package imports none of them itself. The local workbench includes each module lazily (see
:mod:`reverie.web.lazy_routes`), so ``reverie serve`` answers its first page without building the
other eighty routes; team mode and the tests ask for :data:`ROUTERS`, which imports every module.
"""

from __future__ import annotations

import importlib
from typing import Any

MODULES = ("overview", "participants", "interviews", "schedule", "imports", "jobs", "transcripts", "corrections",
           "search", "codebook", "retrieval", "codings", "extracts", "themes", "memos", "reflexivity",
           "consultations", "reports", "affect", "study_facts")


def router_of(module: str) -> Any:
    """The router of ``reverie.web.routes.<module>``, importing the module on first use."""
    return importlib.import_module(f"{__name__}.{module}").router


def __getattr__(name: str) -> Any:
    # ROUTERS stays a plain attribute to its users (team mode, the tests) while costing nothing until asked for.
    if name == "ROUTERS":
        return tuple(router_of(module) for module in MODULES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
