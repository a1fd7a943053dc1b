"""The README's "A study is a folder" commands run verbatim in ``examples/`` and say what the README says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_block(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_the_study_folder_commands_run_verbatim_on_the_examples(tmp_path):
    work = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", work)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs = {}
    for line in readme_block("A study is a folder"):
        done = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs[line.split()[1]] = done.stdout
    assert "(P1. Lines 978-81)" in outputs["cite"]  # what the comment in the README promises
    assert "978  P1: She asked him whether he had milk at home" in outputs["transcript"]
    assert "milk" in outputs["search"]
    assert "| P1 | F | Occupational Therapist | Acute Care | >15 |" in outputs["participants"]
    assert "audit chain holds" in outputs["audit"]
