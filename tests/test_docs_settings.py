"""Docs are tested: docs/settings.md is what the settings model generates, and every setting has help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reverie.services.system import config

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = list(config._documented_fields())


def test_docs_settings_md_is_generated_from_the_model():
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert docs == config.settings_reference(), "docs/settings.md is out of date: run scripts/settings-docs"


@pytest.mark.parametrize("loc,field", SETTINGS, ids=[".".join(loc) for loc, _ in SETTINGS])
def test_every_setting_has_help(loc, field):
    assert (field.description or "").strip(), f"setting {'.'.join(loc)} has no description"


@pytest.mark.parametrize("loc,field", SETTINGS, ids=[".".join(loc) for loc, _ in SETTINGS])
def test_every_setting_is_in_the_docs(loc, field):
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert f"| `{'.'.join(loc)}` |" in docs


def test_the_documented_example_is_accepted(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text(config.EXAMPLE, encoding="utf-8")
    path.chmod(0o600)  # the example holds a Redis password
    settings = config.load_settings(path)
    assert settings.worker.processes == 2 and settings.media == Path("/mnt/shared/reverie-media")


def test_everyday_commands_do_not_import_the_settings():
    code = ("import sys, reverie.cli, reverie.web.app; "
            "import reverie.services.transcripts.versions, reverie.services.output.reports, "
            "reverie.services.system.jobs; "
            "print(sorted(m for m in sys.modules if m.startswith(('pydantic_settings', "
            "'reverie.services.system.config'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
