"""Real exports from other tools import, and their codings land on the text the tool coded.

The samples are third-party files read from the shared folder; each test skips when absent.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from reverie.formats.refi import OffsetUnit, read_qdpx, render_qdpx

ALL = [
    "atlasti-23.2.3-win_blank.qdpx",
    "atlasti-23.2.3-win_codes.qdpx",
    "nvivo-12.6-win_oltas0517.qdpx",
    "nvivo-15.0-mac_qc-project.qdpx",
    "qc-1.3.2_demo.qdpx",
]
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.mark.parametrize("name", ALL)
def test_sample_imports_and_reexports_stably(
    name: str, refi_sample: Callable[[str], Path], tmp_path: Path
) -> None:
    project, report = read_qdpx(refi_sample(name))
    assert not any("schema" in warning for warning in report.warnings)
    (tmp_path / "first.qdpx").write_bytes(render_qdpx(project))
    again, _ = read_qdpx(tmp_path / "first.qdpx")
    (tmp_path / "second.qdpx").write_bytes(render_qdpx(again))
    assert (tmp_path / "first.qdpx").read_bytes() == (tmp_path / "second.qdpx").read_bytes()


def test_atlas_code_tree_and_users(refi_sample: Callable[[str], Path]) -> None:
    project, report = read_qdpx(refi_sample("atlasti-23.2.3-win_codes.qdpx"))
    paths = [path for path, _ in project.walk_codes()]
    assert len(paths) == 3 and len(paths[1]) == 2 and paths[1][0] == paths[0][0]
    assert len(project.users) == 2
    assert all(code.guid == code.guid.lower() for _, code in project.walk_codes())
    assert any("lower case" in repair for repair in report.repairs)


def _nvivo_oracle(path: Path) -> dict[str, str]:
    """What NVivo coded, computed independently: slice the file's UTF-16 units as written."""
    quotes = {}
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        for source in root.iterfind(".//q:TextSource", NS):
            data = archive.read(f"Sources/{source.get('guid')}.txt").decode("utf-8-sig")
            units = data.encode("utf-16-le")
            for selection in source.iterfind("q:PlainTextSelection", NS):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                quotes[selection.get("guid")] = (
                    units[2 * start : 2 * end].decode("utf-16-le").replace("\r\n", "\n")
                )
    return quotes


def test_nvivo_windows_codings_land_on_the_text_nvivo_coded(
    refi_sample: Callable[[str], Path],
) -> None:
    path = refi_sample("nvivo-12.6-win_oltas0517.qdpx")
    project, report = read_qdpx(path)
    oracle = _nvivo_oracle(path)
    selections = [(source, sel) for source in project.sources for sel in source.selections]
    assert len(selections) == 303 == len(oracle)
    assert sum(len(sel.codings) for _, sel in selections) == 303
    for source, sel in selections:
        assert source.text[sel.start : sel.end] == oracle[sel.guid]
    coded = next(s for s in project.sources if s.selections)
    assert report.offset_conventions[coded.guid].unit is OffsetUnit.UTF16
    assert report.offset_conventions[coded.guid].crlf_counts_two
    assert "\r" not in coded.text and not coded.text.startswith("\ufeff")

    # Coders select words: nearly every selection starts and ends on a word boundary.
    def on_boundary(text: str, i: int) -> bool:
        return i in (0, len(text)) or not (text[i - 1].isalnum() and text[i].isalnum())

    clean = sum(
        on_boundary(s.text, sel.start) and on_boundary(s.text, sel.end) for s, sel in selections
    )
    assert clean >= 0.98 * len(selections)
    assert {c.creating_user for _, sel in selections for c in sel.codings} <= {
        u.guid for u in project.users
    }
    assert any("UTF-16" in repair for repair in report.repairs)
    assert any("byte-order mark" in repair for repair in report.repairs)
    assert any("CRLF" in repair for repair in report.repairs)
    assert len(report.unlinked_sources) == 2  # no cases in the file


def test_qc_selections_sit_on_the_line_their_name_gives(refi_sample: Callable[[str], Path]) -> None:
    project, report = read_qdpx(refi_sample("qc-1.3.2_demo.qdpx"))
    selections = [(s, sel) for s in project.sources for sel in s.selections]
    assert len(selections) == 158
    assert sum(len(sel.codings) for _, sel in selections) == 205
    for source, sel in selections:
        line = int(re.fullmatch(r"line:(\d+)", sel.name or "").group(1))  # type: ignore[union-attr]
        assert source.text.count("\n", 0, sel.start) == line
    assert sorted(s.name for s in project.sources) == ["admin-1", "board_2017"]
    assert sum("lacked 'internal://'" in repair for repair in report.repairs) == 2


def test_nvivo_mac_empty_text_files_are_reported(refi_sample: Callable[[str], Path]) -> None:
    project, report = read_qdpx(refi_sample("nvivo-15.0-mac_qc-project.qdpx"))
    assert len(project.sources) == 2 and len(list(project.walk_codes())) == 262
    assert all(not source.text.strip() for source in project.sources)
    assert sum("has no text" in warning for warning in report.warnings) == 2
    assert any("sources/.root" in warning for warning in report.warnings)
