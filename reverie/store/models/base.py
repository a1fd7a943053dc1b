"""Declarative base and the column helpers every model shares.

The model modules do without ``from __future__ import annotations``: with it every ``Mapped[...]``
is a string SQLAlchemy has to clean up and ``eval`` as it maps the class (some 950 evals over
the tables), a quarter of the time importing the models takes, paid on every start. Names of
models defined later are quoted by hand instead (``Mapped[list["Interview"]]``).
"""

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo (both backends store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


class Created:
    """Every record says when it was made and by whom (a researcher label or a user name)."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    created_by: Mapped[str] = mapped_column(String(120), default="", nullable=False)


def in_list(column: str, values) -> str:
    """SQL for a CHECK that keeps a text column inside a fixed vocabulary."""
    quoted = ", ".join("'" + v + "'" for v in values)
    return f"{column} IN ({quoted})"
