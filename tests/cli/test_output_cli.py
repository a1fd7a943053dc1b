"""One --format for every listing (table, csv, json), one error boundary, and clean terminal output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reverie.cli import app
from reverie.cli.output import clean
from reverie.services.analysis import coding, extracts, reflexivity
from reverie.services.involvement import consultations
from reverie.services.study import interviews, participants
from reverie.services.study.studies import init_study
from reverie.services.transcripts import versions as transcripts
from tests.conftest import INTERVIEW_TEXT, TM

runner = CliRunner()
ESCAPE = "\x1b]52;c;cHduZWQ=\x07\x1b[31m"  # an OSC 52 clipboard write and a colour change


def reverie(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """P1's round-1 transcript locked, a code applied, a log entry with affect, an extract, a consultation."""
    root = tmp_path_factory.mktemp("output")
    study = init_study(root / "study", title="Peer support", identity=TM)
    participants.add_participant(study, "P1", gender="F", profession="Occupational Therapist", setting="Acute Care",
                                 years_band=">15")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", duration_min=80)
    source = root / "p1.txt"
    source.write_text(INTERVIEW_TEXT.replace("(laughs)", "[laughs]"), encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, source, layout="fixed-width", width=60)
    transcripts.lock_transcript(study, "P1", 1)
    coding.add_code(study, "milk", kind="discursive_object", definition="Small\tthings,\nsaid \"simply\"")
    coding.add_code(study, f"alarm{ESCAPE}bell")
    coding.apply_code(study, "milk", "P1", lines=(3, 5))
    reflexivity.add_entry(study, {"observation": "She slowed down", "emotional_response": "Moved"}, affect_intensity=3,
                          anchors=[reflexivity.Anchor(participant="P1", round=1, lines=(3, 5))],
                          flags_extract_candidate=True)
    extracts.add_extract(study, "P1", 7, 8, why="Humbling")
    consultations.add_consultation(study, "member_reflection", participant="P1", held_on="2019-06-21")
    study.close()
    return root / "study"


LISTINGS = [
    ("participants", "table"),
    ("interviews", "list"),
    ("codes", "list"),
    ("codes", "stats", "--show", "frequencies"),
    ("codes", "stats", "--show", "cooccurrence"),
    ("codes", "stats", "--show", "crosstab"),
    ("log", "list"),
    ("log", "affect"),
    ("extracts", "list"),
    ("consult", "show"),
    ("audit", "log"),
    ("users", "list"),
    ("search", "{s}", "milk"),
]


def _args(command, folder):
    """The command with the study folder: in place of {s}, or right after the command's name."""
    if "{s}" in command:
        return [folder if a == "{s}" else a for a in command]
    return [*command[:2], folder, *command[2:]]


@pytest.mark.parametrize("command", LISTINGS, ids=" ".join)
def test_every_listing_prints_table_csv_and_json(folder, command):
    args = _args(command, folder)
    rows = json.loads(reverie(*args, "--format", "json").stdout)
    assert isinstance(rows, list) and all(isinstance(row, dict) for row in rows)

    raw = reverie(*args, "--format", "csv").stdout_bytes  # .stdout would turn CRLF into LF
    assert raw.endswith(b"\r\n")  # RFC 4180 line ends
    parsed = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert parsed[0] == list(rows[0]) if rows else parsed[0]
    assert len(parsed) == len(rows) + 1

    table = reverie(*args).stdout
    assert table == reverie(*args, "--format", "text").stdout  # the old name still works
    lines = table.splitlines()
    assert len(lines) == len(rows) + 1  # a header, then one row per line, however long
    assert not any(ch in table for ch in "│┃━─\x1b")
    assert len({line.count("\t") for line in lines}) == 1


def test_piped_table_keeps_long_and_multiline_values_on_one_row(folder):
    lines = reverie("codes", "list", folder).stdout.splitlines()
    assert lines[0] == "label\tparent\tkind\tcodings"
    assert "milk\t\tdiscursive_object\t1" in lines
    logged = reverie("log", "list", folder).stdout.splitlines()
    assert len(logged) == 2 and "observation: She slowed down; emotional_response: Moved" in logged[1]


def test_csv_quotes_and_json_keeps_structure(folder):
    rows = list(csv.DictReader(io.StringIO(reverie("codes", "list", folder, "--format", "csv").stdout, newline="")))
    milk = next(row for row in rows if row["label"] == "milk")
    assert milk["definition"] == 'Small\tthings,\nsaid "simply"'
    entries = json.loads(reverie("log", "list", folder, "--format", "json").stdout)
    assert entries[0]["parts"] == {"observation": "She slowed down", "emotional_response": "Moved"}
    assert entries[0]["anchors"] == ["P1 R1 lines 3-5", "E1"]


def test_search_json_keeps_its_fields(folder):
    hits = json.loads(reverie("search", folder, "milk", "--format", "json").stdout)
    assert set(hits[0]) == {"participant", "round", "line", "start_line", "end_line", "speaker", "citation", "text"}


def test_participants_table_keeps_markdown(folder, tmp_path):
    assert reverie("participants", "table", folder, "--format", "md").stdout.startswith("| Participant | Gender |")
    out = tmp_path / "t1.csv"
    reverie("participants", "table", folder, "--format", "csv", "-o", out)
    assert out.read_bytes().splitlines()[1] == b"P1,F,Occupational Therapist,Acute Care,>15"


def test_unknown_format_is_one_line_and_exit_1(folder):
    result = reverie("interviews", "list", folder, "--format", "xml", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "error: unknown format 'xml': use table, csv or json\n"
    result = reverie("codes", "stats", folder, "--format", "json", ok=False)
    assert result.exit_code == 1 and "--show" in result.stderr


def test_codes_stats_prints_all_three_tables_by_default(folder):
    text = reverie("codes", "stats", folder).stdout
    assert "Code frequencies\ncode\tkind\tcodings\tparticipants\tinterviews\nmilk\tdiscursive_object\t1\t1\t1\n" in text
    assert "Co-occurrence" in text and "Codings by profession\ncode\tOccupational Therapist\n" in text


def test_terminal_control_characters_never_reach_the_output(folder):
    listed = reverie("codes", "list", folder).stdout
    assert "alarmbell" in listed and "\x1b" not in listed and "\x07" not in listed
    labels = [row["label"] for row in json.loads(reverie("codes", "list", folder, "--format", "json").stdout)]
    assert f"alarm{ESCAPE}bell" in labels  # json escapes it: data kept, terminal safe
    assert clean("a\x1b[2Jb\x9b1mc\x00d\r\ne\tf") == "abcd\ne\tf"
    assert clean("a\tb\nc", one_line=True) == "a b c"


def test_domain_errors_are_one_line_through_the_runner_too(folder):
    result = reverie("cite", folder, "P9", "1-2", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: no participant 'P9'") and result.stderr.count("\n") == 1


def test_ctrl_c_exits_130_with_one_line(folder, monkeypatch):
    import reverie.cli.study as study_cli

    def interrupted(path, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(study_cli, "open_dir", interrupted)
    result = reverie("interviews", "list", folder, ok=False)
    assert result.exit_code == 130 and result.stderr == "error: interrupted\n"


def test_everyday_commands_do_not_load_settings(folder):
    probe = ("import sys\nfrom reverie.cli import main\nsys.argv = ['reverie', *sys.argv[1:]]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "assert 'reverie.services.system.config' not in sys.modules, 'settings imported'\n")
    for args in (["participants", "table", folder], ["codes", "list", folder], ["search", folder, "milk"],
                 ["cite", folder, "P1", "2-3"]):
        result = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
