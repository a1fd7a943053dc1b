"""Fixtures for the REFI-QDA tests: the shared third-party samples, a rich synthetic project,
and a builder for hand-made archives (hostile or merely odd)."""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reverie.formats.refi import (
    Case,
    Code,
    Coding,
    Note,
    PlainTextSelection,
    QdaProject,
    Set,
    TextSource,
    User,
    Variable,
    VariableType,
    VariableValue,
)

# The samples are third-party files: they stay in the shared folder beside the checkout.
SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "refi-qda" / "samples"


def sample(name: str) -> Path:
    """A shared sample, or skip the test when this machine does not have it."""
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"REFI-QDA sample {name} is not available at {SAMPLES}")
    return path


def guid(label: str) -> str:
    """A stable GUID per label, so fixtures and expectations agree without copying GUIDs."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"reverie-test:{label}"))


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


INTERVIEW = (
    "Interviewer: Wie war das für Sie? 🙂\n"
    "Ana: Ehrlich gesagt — ich hatte Angst. 😰 Große Angst.\n"
    "Ana: Mein Bruder sagte: „Das schaffst du“ 👍🏽 und dann ging es.\n"
)
SECOND = "Ben: I felt alone… 🫥 then the group helped.\nBen: Naïve? Maybe. 🎉 Café talk saved me.\n"


@pytest.fixture
def rich_project() -> QdaProject:
    """Everything the model can hold: two coders, a code tree with colours, emoji text,
    notes on the project, a code, a source, a selection and a coding, cases with variables
    of every type, and a set."""
    ana, ben = guid("user:ana"), guid("user:ben")
    fear, hope, family = guid("code:fear"), guid("code:hope"), guid("code:family")
    emotions = guid("code:emotions")

    def coding(label: str, code: str, user: str, **extra: object) -> Coding:
        return Coding(
            guid(f"coding:{label}"),
            code,
            user,
            datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
            **extra,
        )

    def selection(
        label: str, text: str, quote: str, *codings: Coding, **extra: object
    ) -> PlainTextSelection:
        start, end = span(text, quote)
        return PlainTextSelection(
            guid(f"sel:{label}"),
            start,
            end,
            name=quote[:20],
            creating_user=ana,
            codings=codings,
            **extra,
        )

    variables = (
        Variable(guid("var:site"), "Site", VariableType.TEXT, "Where we met"),
        Variable(guid("var:consent"), "Consent", VariableType.BOOLEAN),
        Variable(guid("var:age"), "Age", VariableType.INTEGER),
        Variable(guid("var:score"), "Score", VariableType.FLOAT),
        Variable(guid("var:born"), "Interviewed on", VariableType.DATE),
        Variable(guid("var:at"), "Recorded at", VariableType.DATETIME),
    )
    values = (
        VariableValue(guid("var:site"), "Zürich 🏔"),
        VariableValue(guid("var:consent"), True),
        VariableValue(guid("var:age"), 42),
        VariableValue(guid("var:score"), Decimal("3.75")),
        VariableValue(guid("var:born"), date(2024, 4, 30)),
        VariableValue(guid("var:at"), datetime(2024, 4, 30, 14, 5, 9, tzinfo=UTC)),
    )
    return QdaProject(
        name="Loneliness study — pilot",
        origin="Reverie test",
        creating_user=ana,
        created=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        description="Pilot interviews",
        users=(User(ana, "Ana Müller", "AM"), User(ben, "Ben Ørsted")),
        codes=(
            Code(
                emotions,
                "Emotions 💭",
                "#FF8800",
                "Felt states",
                is_codable=False,
                children=(
                    Code(
                        fear,
                        "Fear",
                        "#c00",
                        children=(Code(guid("code:fear-body"), "In the body"),),
                    ),
                    Code(hope, "Hope", None, "Turning points", note_refs=(guid("note:hope"),)),
                ),
            ),
            Code(family, "Family", "#00aa55"),
        ),
        sources=(
            TextSource(
                guid("source:ana"),
                "Interview Ana",
                INTERVIEW,
                creating_user=ana,
                created=datetime(2024, 4, 30, 15, 0, tzinfo=UTC),
                description="First",
                selections=(
                    selection(
                        "fear",
                        INTERVIEW,
                        "ich hatte Angst. 😰 Große Angst",
                        coding("fear-ana", fear, ana),
                        coding("fear-ben", fear, ben),
                        note_refs=(guid("note:selection"),),
                    ),
                    selection(
                        "brother",
                        INTERVIEW,
                        "„Das schaffst du“ 👍🏽",
                        coding("family", family, ben, note_refs=(guid("note:coding"),)),
                        coding("hope", hope, ana),
                    ),
                ),
                codings=(coding("whole", emotions, ana),),
                variable_values=(VariableValue(guid("var:site"), "Zürich 🏔"),),
                note_refs=(guid("note:source"),),
            ),
            TextSource(
                guid("source:ben"),
                "Interview Ben",
                SECOND,
                creating_user=ben,
                selections=(
                    selection("alone", SECOND, "alone… 🫥", coding("alone", fear, ben)),
                    selection("cafe", SECOND, "Café talk", coding("cafe", hope, ben)),
                ),
            ),
            TextSource(guid("source:field"), "Field notes", "No participant here.\n"),
        ),
        notes=(
            Note(guid("note:hope"), "About hope", "Hope comes late 🌅", ana),
            Note(
                guid("note:selection"),
                "Memo on fear",
                "Fear named twice —\nnote the pause.",
                ben,
                datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
            ),
            Note(guid("note:coding"), "Why family", "The brother's voice.", ben),
            Note(guid("note:source"), "Setting", "Kitchen table.", ana, description="context"),
            Note(guid("note:project"), "Reflexive", "I also lost a sibling.", ana),
        ),
        cases=(
            Case(guid("case:ana"), "Ana", "Participant 1", values, (guid("source:ana"),)),
            Case(
                guid("case:ben"),
                "Ben",
                None,
                (VariableValue(guid("var:age"), 37), VariableValue(guid("var:consent"), None)),
                (guid("source:ben"),),
            ),
        ),
        variables=variables,
        sets=(
            Set(
                guid("set:core"),
                "Core",
                "Codes for the paper",
                (fear, hope),
                (guid("source:ana"),),
                (guid("note:hope"),),
            ),
        ),
        note_refs=(guid("note:project"),),
    )


@pytest.fixture
def refi_sample() -> Callable[[str], Path]:
    """Look up a shared sample by file name; the test skips when it is absent."""
    return sample


@pytest.fixture
def stable_guid() -> Callable[[str], str]:
    """The GUID the rich project uses for a label such as ``"code:fear"``."""
    return guid


@pytest.fixture
def make_qdpx(tmp_path: Path) -> Callable[..., Path]:
    """Build a ``.qdpx`` from a project.qde and other members, written as given."""

    def build(
        qde: str | bytes | None,
        files: dict[str, bytes | str] | None = None,
        name: str = "made.qdpx",
    ) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            if qde is not None:
                archive.writestr(
                    "project.qde", qde.encode("utf-8") if isinstance(qde, str) else qde
                )
            for member, data in (files or {}).items():
                archive.writestr(member, data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return build
