"""`reverie` alone says where to start; `reverie serve` on something that cannot hold a study says why."""

from __future__ import annotations

import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


def test_reverie_alone_prints_where_to_start():
    result = run()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Start here:"
    assert any(line.split()[:2] == ["reverie", "demo"] for line in lines)
    assert any(line.split()[:3] == ["reverie", "serve", "FOLDER"] for line in lines)
    assert any(line.split()[:2] == ["reverie", "--help"] for line in lines)
    assert "Commands" not in result.stdout  # not the whole help


def test_help_still_lists_every_command():
    result = run("--help")
    assert result.returncode == 0 and "serve" in result.stdout and "init" in result.stdout


def test_serve_refuses_a_file_where_a_study_folder_should_be(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("not a folder", encoding="utf-8")
    result = run("serve", file, "--no-browser", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {file}: exists and is not a folder; give a folder for the study"
    assert file.read_text(encoding="utf-8") == "not a folder"
