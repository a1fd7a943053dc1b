"""The CLI's output contracts and error handling, through the real `reverie` entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import INTERVIEW_TEXT


def run(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed: {result.stderr}")
    return result


@pytest.fixture(scope="module")
def cli_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "my-study"
    run("init", root, "--title", "Peer support", "--name", "Tom Moore", "--initials", "TM")
    run("participants", "add", root, "--code", "P1", "--gender", "F", "--profession", "Occupational Therapist",
        "--setting", "Acute Care", "--years", ">15")
    run("interviews", "add", root, "--participant", "P1", "--round", "1", "--date", "2019-03-01",
        "--duration-min", "80")
    transcript = root.parent / "t.txt"
    transcript.write_text(INTERVIEW_TEXT.replace("(laughs)", "[laughs]"), encoding="utf-8")
    run("transcript", "import", root, "P1", transcript, "--round", "1", "--layout", "fixed_width", "--width", "50")
    run("transcript", "lock", root, "P1", "--round", "1")
    return root


def test_show_prints_one_line_per_transcript_line(cli_study):
    result = run("transcript", "show", cli_study, "P1", "--round", "1", "--lines", "2-6")
    lines = result.stdout.splitlines()
    assert [int(line.split()[0]) for line in lines] == [2, 3, 4, 5, 6]
    assert all("\x1b" not in line and "│" not in line for line in lines)
    assert any("[laughs]" in line for line in run("transcript", "show", cli_study, "P1").stdout.splitlines())
    first = run("transcript", "show", cli_study, "P1", "--lines", "1-1").stdout
    assert first.startswith("1  I: Can you tell me")


def test_cite_prints_only_the_citation(cli_study):
    result = run("cite", cli_study, "P1", "2-4")
    assert result.stdout == "(P1. Lines 2-4)\n" and result.stderr == ""
    assert run("cite", cli_study, "P1", "2-4", "--style", "full").stdout.strip() == "(P1. Lines 2-4)"


def test_search_json(cli_study):
    hits = json.loads(run("search", cli_study, "milk", "--format", "json").stdout)
    assert hits and {"participant", "round", "citation", "text"} <= set(hits[0])
    assert "milk" in hits[0]["text"]


def test_table_formats(cli_study, tmp_path):
    assert run("participants", "table", cli_study, "--format", "csv").stdout.splitlines()[1] == \
        "P1,F,Occupational Therapist,Acute Care,>15"
    out = tmp_path / "t.md"
    run("participants", "table", cli_study, "--format", "md", "-o", out)
    assert "| P1 | F |" in out.read_text()


@pytest.mark.parametrize("args,message", [
    (("participants", "add", "{s}", "--code", "P1"), "already exists"),
    (("interviews", "add", "{s}", "--participant", "P9", "--round", "1"), "no participant 'P9'"),
    (("interviews", "add", "{s}", "--participant", "P1", "--round", "2", "--date", "2019-02-30"),
     "invalid interview date"),
    (("cite", "{s}", "P1", "9-3"), "end"),
    (("cite", "{s}", "P1", "1-9999"), "outside the transcript"),
])
def test_errors_are_one_line_on_stderr(cli_study, args, message):
    result = run(*[a.format(s=cli_study) for a in args], check=False)
    assert result.returncode != 0 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_not_a_study(tmp_path):
    result = run("participants", "table", tmp_path, check=False)
    assert result.returncode == 1 and "not a Reverie study" in result.stderr


def test_audit_verify_names_the_broken_event(cli_study, tmp_path):
    import shutil
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(cli_study, copy)
    assert run("audit", "verify", copy).returncode == 0
    with sqlite3.connect(copy / "study.db") as connection:
        connection.execute("UPDATE audit_events SET actor = 'XX' WHERE seq = 2")
    result = run("audit", "verify", copy, check=False)
    assert result.returncode == 1 and "event 2" in result.stderr
