"""``reverie users`` on the team study, and ``reverie server`` refusing what it cannot serve safely."""

from __future__ import annotations

from typer.testing import CliRunner

from reverie.cli import app
from reverie.services.study.studies import init_study
from tests.conftest import TM
from tests.team.conftest import PASSWORD


def test_users_add_list_disable(team):
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", str(team.root), "--username", "Ppi-C1", "--role", "ppi_member",
                                "--group", "PPI-A"], env={"REVERIE_PASSWORD": PASSWORD})
    assert added.exit_code == 0, added.output
    assert "added ppi-c1 as ppi_member for PPI-A" in added.output
    listed = _rows(runner.invoke(app, ["users", "list", str(team.root)]).output)
    assert listed["ppi-c1"] == ["ppi-c1", "ppi_member", "PPI-A", "active", "ppi-c1"]
    assert "other-lead" not in listed  # a member of the other study in the same database
    assert runner.invoke(app, ["users", "disable", str(team.root), "--username", "ppi-c1"]).exit_code == 0
    assert _rows(runner.invoke(app, ["users", "list", str(team.root)]).output)["ppi-c1"][3] == "disabled"


def _rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines() if line.strip()}


def test_users_add_refuses_short_passwords_and_unbound_reviewers(team):
    runner = CliRunner()
    short = runner.invoke(app, ["users", "add", str(team.root), "--username", "shorty"],
                          env={"REVERIE_PASSWORD": "abc"})
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    unbound = runner.invoke(app, ["users", "add", str(team.root), "--username", "rev-x", "--role",
                                  "participant_reviewer"], env={"REVERIE_PASSWORD": PASSWORD})
    assert unbound.exit_code == 1 and "needs --participant" in unbound.output


def test_server_refuses_a_sqlite_study(tmp_path):
    init_study(tmp_path / "solo", identity=TM).close()
    config = tmp_path / "team.toml"
    config.write_text(f'study = "{tmp_path / "solo"}"\nport = 8765\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["server", "--config", str(config)])
    assert result.exit_code == 1 and "needs a PostgreSQL study" in result.output
