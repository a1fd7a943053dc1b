"""The study every crash and concurrency test starts from, copied from a template per test."""

from __future__ import annotations

import pytest

from tests.crash.control import crash_base


@pytest.fixture
def base_study(study_copy):
    """The folder of a SQLite study with P0 transcribed and locked."""
    return study_copy("crash-base", crash_base, folder_only=True)
