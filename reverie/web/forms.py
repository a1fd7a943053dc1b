"""Form failures shown where they happened: beside the control that caused them, with what was typed kept.

A set-up form posts with HTMX and swaps nothing on success (the answer redirects). When a service
refuses the input, the answer carries each of the form's error slots as an out-of-band swap, the
message in the slot of the control it names, so the form and everything typed in it stay as they
were. A plain form post (no script) gets the whole page again, the message beside the control and
the typed values filled back in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import Response

from reverie.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ReverieError
from reverie.web.deps import is_htmx, templates

STATUS = {NotFound: 404, InvalidInput: 422, Conflict: 409, PermissionDenied: 403}


@dataclass(frozen=True)
class FormSpec:
    """A form's id, its controls' names, and which words of a service's message point at which control.

    ``rules`` are (words, control) pairs tried in order; a message that matches none is shown at the
    top of the form (the slot named ``""``).
    """

    id: str
    fields: tuple[str, ...]
    rules: tuple[tuple[str, str], ...] = ()

    def field_of(self, message: str) -> str:
        lowered = message.lower()
        return next((name for words, name in self.rules if words in lowered), "")

    def slots(self) -> tuple[str, ...]:
        return ("", *self.fields)


def slot_id(form: str, name: str) -> str:
    """The id of a control's error slot (``name`` empty: the form's own slot)."""
    return f"{form}-{name}-error" if name else f"{form}-error"


def _typed(values: Mapping[str, Any]) -> dict[str, Any]:
    # Passphrases are never written back into a page.
    return {key: value for key, value in values.items() if "passphrase" not in key}


def failed(request: Request, spec: FormSpec, exc: ReverieError, *, values: Mapping[str, Any], page: str,
           page_context: Callable[[], dict[str, Any]], render: Callable[..., Response]) -> Response:
    """The answer to a refused form: its error slots (HTMX) or the whole page again (a plain post)."""
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    errors = {spec.field_of(str(exc)): str(exc)}
    if is_htmx(request):
        return templates.TemplateResponse(request, "_form_errors.html",
                                          {"form": spec.id, "slots": spec.slots(), "errors": errors},
                                          status_code=status)
    return render(request, page, status_code=status, errors={spec.id: errors}, values={spec.id: _typed(values)},
                  **page_context())
