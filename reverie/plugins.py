"""The one plugin manager: Reverie's built-in extensions and installed packages, behind the same hooks.

The hooks are in :mod:`reverie.hookspecs`. Nothing is loaded at ``import reverie``: the first
call of a hook imports the built-in module that implements it (named here as a string, so this
module imports no adapter or service) and every package installed under the ``reverie``
entry-point group. A script or a test adds a plugin in its own process with :func:`register`.

Built-in hook implementations are marked ``trylast``, so an installed plugin is asked first and
may replace a built-in importer, report format, diariser or job kind of the same name.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import threading
from dataclasses import dataclass
from typing import Any

import pluggy

from reverie import hookspecs
from reverie.core.errors import ReverieError

GROUP = "reverie"

# Each hook, what a user calls one thing it offers, and the built-in module implementing it.
HOOKS = {
    "register_transcript_importers": ("transcript importer", "reverie.formats.transcripts"),
    "register_report_formats": ("report format", "reverie.formats.report_writers"),
    "register_diarisers": ("diariser", "reverie.speech.diarise"),
    "register_job_functions": ("job function", "reverie.services.system.job_kinds"),
}
BUILT_IN = tuple(dict.fromkeys(module for _title, module in HOOKS.values()))

_manager = pluggy.PluginManager(GROUP)
_manager.add_hookspecs(hookspecs)
_lock = threading.RLock()
_built_in_loaded: set[str] = set()
_installed: dict[str, importlib.metadata.Distribution | None] = {}
_installed_loaded = False


class PluginError(ReverieError):
    """An installed plugin cannot be loaded or gives something Reverie cannot use."""


@dataclass(frozen=True)
class Offer:
    """One thing a plugin adds through a hook: an importer, a report format, a diariser, a job kind."""

    hook: str
    name: str
    detail: str
    plugin: str


def register(plugin: object, name: str | None = None) -> str:
    """Add a plugin (a module or an object with ``@hookimpl`` functions) in this process only."""
    try:
        return _manager.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginError(f"plugin {name or plugin!r} cannot be registered: {exc}") from exc


def unregister(name: str) -> None:
    """Remove a plugin added with :func:`register` (or an installed one, until the process ends)."""
    _manager.unregister(name=name)


def registered(name: str) -> Any | None:
    """The plugin registered under ``name``, if any."""
    return _manager.get_plugin(name)


def call(hook: str) -> list:
    """Every plugin's answer to ``hook``: the one asked first (registered last, built-ins last) first."""
    return getattr(_loaded(hook), hook)()


def offers() -> list[Offer]:
    """What every plugin adds, hook by hook in the order plugins are asked, for people to read."""
    for hook in HOOKS:
        _loaded(hook)
    found = []
    for hook in HOOKS:
        seen: set[tuple[str, int]] = set()
        for impl in reversed(getattr(_manager.hook, hook).get_hookimpls()):
            answer = impl.function()
            items = answer.items() if isinstance(answer, dict) else ((getattr(i, "name", repr(i)), i)
                                                                      for i in answer or ())
            for item_name, item in items:
                if (str(item_name), id(item)) in seen:  # offered twice, as a built-in kind may be
                    continue
                seen.add((str(item_name), id(item)))
                detail = " ".join(getattr(item, "suffixes", ()) or ())
                found.append(Offer(hook, str(item_name), detail, _label(impl.plugin_name, item)))
    return found


def loaded() -> bool:
    """Whether installed plugins have been looked for yet (they are, on the first hook call)."""
    return _installed_loaded


def _label(name: str, item: object) -> str:
    """Where an offered thing comes from: Reverie itself, an installed package, or this process."""
    made_in = getattr(item, "__module__", None) or type(item).__module__
    if name in BUILT_IN or made_in.startswith("reverie."):
        return "built in"
    if name in _installed:
        dist = _installed[name]
        return f"{dist.metadata['Name']} {dist.version}" if dist is not None else name
    return name


def _loaded(hook: str) -> pluggy.HookRelay:
    global _installed_loaded
    if hook not in HOOKS:
        raise PluginError(f"no hook named {hook!r} (hooks: {', '.join(HOOKS)})")
    module = HOOKS[hook][1]
    if module in _built_in_loaded and _installed_loaded:
        return _manager.hook
    with _lock:
        if module not in _built_in_loaded:
            if not _manager.has_plugin(module):
                _manager.register(importlib.import_module(module), name=module)
            _built_in_loaded.add(module)
        if not _installed_loaded:
            _load_installed()
            _installed_loaded = True
    return _manager.hook


def _load_installed() -> None:
    for entry in importlib.metadata.entry_points(group=GROUP):
        if _manager.has_plugin(entry.name) or _manager.is_blocked(entry.name):
            continue
        try:
            _manager.register(entry.load(), name=entry.name)
        except Exception as exc:  # whatever a third party's import raises, it is reported the same way
            raise PluginError(f"the installed plugin {entry.name!r} ({entry.value}) cannot be loaded: {exc}") from exc
        _installed[entry.name] = getattr(entry, "dist", None)
