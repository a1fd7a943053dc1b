"""The Python API examples in docs/python-api.md and the README run, in order, as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _run_blocks(text: str, where: Path, monkeypatch) -> dict:
    monkeypatch.chdir(where)
    namespace: dict = {"__name__": "__docs__"}
    for number, block in enumerate(BLOCK.findall(text), 1):
        exec(compile(block, f"{where.name} block {number}", "exec"), namespace)  # the docs' own code
    return namespace


def test_python_api_doc_runs(tmp_path, monkeypatch):
    namespace = _run_blocks((ROOT / "docs/python-api.md").read_text(encoding="utf-8"), tmp_path, monkeypatch)
    assert namespace["extract"].handle == "E1"
    assert namespace["result"].citations
    assert (tmp_path / "api-study.qdpx").stat().st_size > 0


def test_readme_python_api_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The Python API", 1)[1].split("\n## ", 1)[0]
    lines = [f"P1: line {n} of the interview about peer support." for n in range(1, 9)]
    (tmp_path / "p1-round1.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    namespace = _run_blocks(section, tmp_path, monkeypatch)
    assert os.path.isdir(tmp_path / "my-study")
    assert namespace["study"] is not None
