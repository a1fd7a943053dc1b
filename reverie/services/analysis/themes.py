"""Themes in report order, the extracts each holds, and the report's extract numbers.

A paper numbers its extracts by first appearance in the write-up, not by when they were chosen
or where they sit in a transcript: in the reference paper Extract 4 comes from earlier in P2's
interview than Extract 3. So numbers belong to a report (:func:`report_numbering`), while the
stable handles (E1, E2 …) belong to the extracts.

Every change is an audited write. Renaming a theme is an analytic decision (METHOD.md §5.2 lists
``rename_theme``) and needs a reason; describing, ordering and placing are audited with an
optional one. Positions are kept 1, 2, 3 … so "report order" is always the order shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from reverie.core import vocab
from reverie.core.citation import cite_block, cite_inline
from reverie.core.errors import Conflict, InvalidInput, NotFound
from reverie.services.analysis.decisions import record_decision
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
    id: int = 0
    origin: str = "from_data"


@dataclass(frozen=True)
class BoardCard:
    """An extract as the themes board shows it."""

    handle: str
    title: str
    citation: str
    status: str
    text: str
    position: int


@dataclass(frozen=True)
class BoardTheme:
    """A theme on the board with its extracts in report order."""

    theme: ThemeView
    cards: tuple[BoardCard, ...]


@dataclass(frozen=True)
class ThemesBoard:
    """The themes in report order, and the extracts (not set aside) that no theme holds yet."""

    themes: tuple[BoardTheme, ...]
    unplaced: tuple[BoardCard, ...]


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


def _theme_by_id(session, study: OpenStudy, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or theme.study_id != study.study_id:
        raise NotFound(f"no theme {theme_id} in this study")
    return theme


def _check_choices(kind: str | None, origin: str | None) -> None:
    if kind is not None and kind not in vocab.THEME_KINDS:
        raise InvalidInput(f"theme kind {kind!r} is not one of {', '.join(vocab.THEME_KINDS)}")
    if origin is not None and origin not in vocab.THEME_ORIGINS:
        raise InvalidInput(f"theme origin {origin!r} is not one of {', '.join(vocab.THEME_ORIGINS)}")


def _check_label_free(session, study: OpenStudy, label: str) -> None:
    if session.execute(select(Theme.id).where(Theme.study_id == study.study_id, Theme.label == label)).first():
        raise Conflict(f"a theme labelled {label!r} already exists")


def _ordered(session, study: OpenStudy) -> list[Theme]:
    return list(session.execute(select(Theme).where(Theme.study_id == study.study_id)
                                .order_by(Theme.position, Theme.id)).scalars())


def add_theme(study: OpenStudy, label: str, *, description: str = "", kind: str = "major", dimension: str = "",
              origin: str = "from_data", position: int | None = None, why: str = "") -> Theme:
    """Add a theme; without a position it goes after the last one."""
    label = " ".join(label.split())
    if not label:
        raise InvalidInput("a theme needs a label")
    _check_choices(kind, origin)
    payload: dict[str, Any] = {"label": label, "position": position}
    with study.write("theme.add", target=f"theme:{label}", why=why, payload=payload) as s:
        _check_label_free(s, study, label)
        if position is None:
            position = (s.execute(select(func.max(Theme.position)).where(Theme.study_id == study.study_id)).scalar()
                        or 0) + 1
        theme = Theme(study_id=study.study_id, guid=str(uuid.uuid4()), label=label, description=description.strip(),
                      kind=kind, dimension=dimension.strip(), origin=origin, position=position,
                      created_by=study.actor)
        s.add(theme)
        s.flush()
        payload.update(id=theme.id, position=position)
    return theme


def get_theme(study: OpenStudy, theme_id: int) -> ThemeView:
    """One theme by its id, with its extracts in order."""
    with study.read() as s:
        return _theme_view(s, _theme_by_id(s, study, theme_id))


def rename_theme(study: OpenStudy, label: str, new_label: str, *, rationale: str) -> int:
    """Rename a theme, recording the decision and its reason; returns the decision id."""
    new_label = " ".join(new_label.split())
    if not new_label:
        raise InvalidInput("a theme needs a label")
    if not (rationale or "").strip():
        raise InvalidInput("renaming a theme needs a reason")
    with study.write("theme.rename", target=f"theme:{label}", why=rationale, payload={"to": new_label}) as s:
        theme = find_theme(s, study, label)
        if new_label == theme.label:
            raise Conflict(f"the theme is already called {new_label!r}")
        _check_label_free(s, study, new_label)
        decision = record_decision(study, "rename_theme", rationale,
                                   target_refs=[{"kind": "theme", "id": theme.id, "guid": theme.guid}],
                                   before={"label": theme.label}, after={"label": new_label})
        theme.label = new_label
    return decision.id


def describe_theme(study: OpenStudy, label: str, *, description: str | None = None, kind: str | None = None,
                   dimension: str | None = None, origin: str | None = None, why: str = "") -> ThemeView:
    """Change what a theme says about itself: description, kind, dimension, origin (only those given)."""
    _check_choices(kind, origin)
    wanted = {"description": description, "kind": kind, "dimension": dimension, "origin": origin}
    wanted = {name: value.strip() for name, value in wanted.items() if value is not None}
    payload: dict[str, Any] = {}
    with study.write("theme.describe", target=f"theme:{label}", why=why, payload=payload) as s:
        theme = find_theme(s, study, label)
        changed = {name: value for name, value in wanted.items() if getattr(theme, name) != value}
        if not changed:
            raise Conflict(f"nothing about the theme {label!r} changed")
        for name, value in changed.items():
            setattr(theme, name, value)
        payload.update(changed)
        return _theme_view(s, theme)


def order_themes(study: OpenStudy, labels: list[str], *, why: str = "") -> list[ThemeView]:
    """Put themes in report order: those named first, in that order; the others after, as they were."""
    named = list(dict.fromkeys(" ".join(label.split()) for label in labels))
    with study.write("theme.order", target="themes", why=why, payload={"order": named}) as s:
        themes = _ordered(s, study)
        by_label = {t.label: t for t in themes}
        unknown = [label for label in named if label not in by_label]
        if unknown:
            raise NotFound(f"no theme {unknown[0]!r} in this study")
        order = [by_label[label] for label in named] + [t for t in themes if t.label not in named]
        for position, theme in enumerate(order, 1):
            theme.position = position
    return list_themes(study)


def shift_theme(study: OpenStudy, label: str, steps: int, *, why: str = "") -> list[ThemeView]:
    """Move a theme earlier (negative steps) or later in report order."""
    with study.read() as s:
        labels = [t.label for t in _ordered(s, study)]
    if label not in labels:
        raise NotFound(f"no theme {label!r} in this study")
    at = _index_after(labels, label, steps)
    labels.remove(label)
    labels.insert(at, label)
    return order_themes(study, labels, why=why)


def set_theme_position(study: OpenStudy, label: str, position: int) -> None:
    """Move a theme in the report's order."""
    with study.write("theme.position", target=f"theme:{label}", payload={"position": position}) as s:
        find_theme(s, study, label).position = position


def _renumber(session, theme_id: int, order: list[Extract]) -> None:
    for position, extract in enumerate(order, 1):
        extract.theme_id, extract.theme_position = theme_id, position


def _held(session, theme_id: int) -> list[Extract]:
    return list(session.execute(select(Extract).where(Extract.theme_id == theme_id)
                                .order_by(Extract.theme_position, Extract.handle_no)).scalars())


def place_extract(study: OpenStudy, theme: str, extract: str, *, position: int | None = None, why: str = "") -> None:
    """Put an extract in a theme, at a position inside it (1 is first; by default after its last extract)."""
    with study.write("theme.place_extract", target=f"theme:{theme}", why=why,
                     payload={"extract": extract, "position": position}) as s:
        record, chosen = find_extract(s, study, extract), find_theme(s, study, theme)
        if record.status == "set_aside":
            raise Conflict(f"{handle_of(record)} is set aside; reinstate it before placing it in a theme")
        if position is not None and position < 1:
            raise InvalidInput(f"position {position} is not a place in a theme; the first place is 1")
        old_theme = record.theme_id
        order = [e for e in _held(s, chosen.id) if e.id != record.id]
        order.insert(len(order) if position is None else min(position - 1, len(order)), record)
        _renumber(s, chosen.id, order)
        if old_theme is not None and old_theme != chosen.id:
            _renumber(s, old_theme, _held(s, old_theme))


def unplace_extract(study: OpenStudy, extract: str, *, why: str = "") -> None:
    """Take an extract out of its theme (a final extract must keep one: move it to another instead)."""
    with study.write("theme.unplace_extract", target=f"extract:{extract}", why=why, payload={}) as s:
        record = find_extract(s, study, extract)
        if record.theme_id is None:
            raise Conflict(f"{handle_of(record)} is in no theme")
        if record.status == "final":
            raise Conflict(f"{handle_of(record)} is final, and a final extract belongs to a theme; "
                           "place it in another theme instead")
        old_theme = record.theme_id
        record.theme_id, record.theme_position = None, 0
        s.flush()
        _renumber(s, old_theme, _held(s, old_theme))


def shift_extract(study: OpenStudy, extract: str, steps: int, *, why: str = "") -> None:
    """Move an extract earlier (negative steps) or later inside its theme."""
    with study.read() as s:
        record = find_extract(s, study, extract)
        if record.theme_id is None:
            raise Conflict(f"{handle_of(record)} is in no theme")
        theme = s.get(Theme, record.theme_id).label
        handles = [handle_of(e) for e in _held(s, record.theme_id)]
    place_extract(study, theme, extract, position=_index_after(handles, handle_of(record), steps) + 1, why=why)


def _index_after(items: list[str], item: str, steps: int) -> int:
    """Where ``item`` lands (0-based, among the others) when moved ``steps`` places."""
    return max(0, min(len(items) - 1, items.index(item) + steps))


def _theme_view(session, theme: Theme) -> ThemeView:
    extracts = _held(session, theme.id)
    return ThemeView(theme.label, theme.position, theme.kind, theme.dimension, theme.description,
                     tuple(handle_of(e) for e in extracts), theme.id, theme.origin)


def list_themes(study: OpenStudy) -> list[ThemeView]:
    """Themes in report order, each with its extracts in order."""
    with study.read() as s:
        return [_theme_view(s, theme) for theme in _ordered(s, study)]


def themes_board(study: OpenStudy) -> ThemesBoard:
    """The themes board: each theme's extracts in report order, and the extracts still without a theme."""
    with study.read() as s:
        people = dict(s.execute(select(Participant.id, Participant.code)
                                .where(Participant.study_id == study.study_id)).all())

        def card(extract: Extract) -> BoardCard:
            return BoardCard(handle_of(extract), extract.title,
                             cite_inline(people.get(extract.participant_id, "?"), extract.start_line, extract.end_line),
                             extract.status, extract.display_text or extract.text_snapshot, extract.theme_position)

        themes = tuple(BoardTheme(_theme_view(s, theme), tuple(card(e) for e in _held(s, theme.id)))
                       for theme in _ordered(s, study))
        loose = s.execute(select(Extract).where(Extract.study_id == study.study_id, Extract.theme_id.is_(None),
                                                Extract.status != "set_aside")
                          .order_by(Extract.handle_no)).scalars()
        return ThemesBoard(themes, tuple(card(e) for e in loose))


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
