"""Themes in report order, the extracts each holds, and the report's extract numbers.

A paper numbers its extracts by first appearance in the write-up, not by when they were chosen
or where they sit in a transcript: in the reference paper Extract 4 comes from earlier in P2's
interview than Extract 3. So numbers belong to a report (:func:`report_numbering`), while the
stable handles (E1, E2 …) belong to the extracts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.citation import cite_block
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.extracts import find_extract, handle_of
from reverie.services.study.context import OpenStudy
from reverie.services.study.studies import citation_style
from reverie.store.models import Extract, Participant, Theme


@dataclass(frozen=True)
class ThemeView:
    """A theme in report order with the handles of its extracts, in order."""

    label: str
    position: int
    kind: str
    dimension: str
    description: str
    extracts: tuple[str, ...]


@dataclass(frozen=True)
class NumberedExtract:
    """An extract as a report shows it: its number there, its theme and its citation."""

    number: int
    handle: str
    theme: str
    participant: str
    start_line: int
    end_line: int
    citation: str


def find_theme(session, study: OpenStudy, label: str) -> Theme:
    """A theme by its label."""
    theme = session.execute(select(Theme).where(Theme.study_id == study.study_id,
                                                Theme.label == label)).scalar_one_or_none()
    if theme is None:
        raise NotFound(f"no theme {label!r} in this study")
    return theme


def add_theme(study: OpenStudy, label: str, *, description: str = "", kind: str = "major", dimension: str = "",
              origin: str = "from_data", position: int | None = None) -> Theme:
    """Add a theme; without a position it goes after the last one."""
    if not label.strip():
        raise InvalidInput("a theme needs a label")
    if kind not in vocab.THEME_KINDS:
        raise InvalidInput(f"theme kind {kind!r} is not one of {', '.join(vocab.THEME_KINDS)}")
    if origin not in vocab.THEME_ORIGINS:
        raise InvalidInput(f"theme origin {origin!r} is not one of {', '.join(vocab.THEME_ORIGINS)}")
    payload: dict[str, Any] = {"label": label, "position": position}
    with study.write("theme.add", target=f"theme:{label}", payload=payload) as s:
        if s.execute(select(Theme.id).where(Theme.study_id == study.study_id, Theme.label == label)).first():
            raise Conflict(f"a theme labelled {label!r} already exists")
        if position is None:
            position = (s.execute(select(func.max(Theme.position)).where(Theme.study_id == study.study_id)).scalar()
                        or 0) + 1
        theme = Theme(study_id=study.study_id, guid=str(uuid.uuid4()), label=label, description=description,
                      kind=kind, dimension=dimension, origin=origin, position=position, created_by=study.actor)
        s.add(theme)
        s.flush()
        payload.update(id=theme.id, position=position)
    return theme


def set_theme_position(study: OpenStudy, label: str, position: int) -> None:
    """Move a theme in the report's order."""
    with study.write("theme.position", target=f"theme:{label}", payload={"position": position}) as s:
        find_theme(s, study, label).position = position


def place_extract(study: OpenStudy, theme: str, extract: str, *, position: int | None = None) -> None:
    """Put an extract in a theme (at a position inside it; by default after the theme's last extract)."""
    with study.write("theme.place_extract", target=f"theme:{theme}",
                     payload={"extract": extract, "position": position}) as s:
        record, chosen = find_extract(s, study, extract), find_theme(s, study, theme)
        if record.status == "set_aside":
            raise Conflict(f"{handle_of(record)} is set aside; reinstate it before placing it in a theme")
        if position is None:
            position = (s.execute(select(func.max(Extract.theme_position)).where(Extract.theme_id == chosen.id))
                        .scalar() or 0) + 1
        record.theme_id, record.theme_position = chosen.id, position


def list_themes(study: OpenStudy) -> list[ThemeView]:
    """Themes in report order, each with its extracts in order."""
    with study.read() as s:
        themes = s.execute(select(Theme).where(Theme.study_id == study.study_id)
                           .order_by(Theme.position, Theme.id)).scalars().all()
        views = []
        for theme in themes:
            extracts = s.execute(select(Extract).where(Extract.theme_id == theme.id)
                                 .order_by(Extract.theme_position, Extract.handle_no)).scalars()
            views.append(ThemeView(theme.label, theme.position, theme.kind, theme.dimension, theme.description,
                                   tuple(handle_of(e) for e in extracts)))
        return views


def report_numbering(study: OpenStudy) -> list[NumberedExtract]:
    """Number the final extracts by first appearance in the report: themes in order, extracts in theme order."""
    style = citation_style(study)
    numbered: list[NumberedExtract] = []
    with study.read() as s:
        rows = s.execute(
            select(Extract, Theme.label, Participant)
            .join(Theme, Theme.id == Extract.theme_id)
            .join(Participant, Participant.id == Extract.participant_id)
            .where(Extract.study_id == study.study_id, Extract.status == "final")
            .order_by(Theme.position, Theme.id, Extract.theme_position, Extract.handle_no)
        ).all()
        for number, (extract, theme, participant) in enumerate(rows, 1):
            descriptor = str(getattr(participant, style.descriptor_field, "")
                             or (participant.attributes or {}).get(style.descriptor_field, ""))
            numbered.append(NumberedExtract(number, handle_of(extract), theme, participant.code, extract.start_line,
                                            extract.end_line, cite_block(number, participant.code, descriptor,
                                                                         extract.start_line, extract.end_line, style)))
    return numbered
