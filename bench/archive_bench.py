"""Refusing hostile archives: how long until a zip bomb or a forged member is turned away.

Issue 13 asked that a 674 KB ``.docx`` unpacking to 189 MB, and a ``.qdpx`` whose member claims
2,000,000,000 bytes, be refused before anything is unpacked (tests/security/test_size_caps.py
checks the bytes read and the memory; the seconds are a goal here, never a test assertion).
Baseline, measured in the same run: reading the same Word transcript without the bomb.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from pathlib import Path

from bench.timing import row
from reverie.core.errors import InvalidInput
from tests.fixtures.archives import qdpx_declaring

GOAL_SECONDS = 1.0
MB = 1000 * 1000


def _docx(folder: Path, unpacked: int) -> tuple[Path, Path]:
    import docx

    document = docx.Document()
    document.add_paragraph("I: Tell me about the ward.")
    document.add_paragraph("P1: The milk mattered.")
    plain = folder / "plain.docx"
    document.save(plain)
    paragraph = b"<w:p><w:r><w:t>" + b"P1: and the milk " * 60 + b"</w:t></w:r></w:p>"
    bomb = folder / "bomb.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                head, tail = data.split(b"<w:body>")
                data = head + b"<w:body>" + paragraph * (unpacked // len(paragraph)) + tail
            out.writestr(name, data)
    return plain, bomb


def _seconds(action) -> float:
    started = time.perf_counter()
    try:
        action()
    except InvalidInput:
        pass
    return time.perf_counter() - started


def run(quick: bool) -> list[dict]:
    from reverie.formats.refi.reader import read_qdpx
    from reverie.formats.transcripts import read_transcript

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        plain, bomb = _docx(folder, (20 if quick else 189) * MB)
        forged = qdpx_declaring(folder / "forged.qdpx", 2_000_000_000)
        baseline = min(_seconds(lambda: read_transcript(plain)) for _ in range(3))
        docx_s = min(_seconds(lambda: read_transcript(bomb)) for _ in range(3))
        qdpx_s = min(_seconds(lambda: read_qdpx(forged)) for _ in range(3))
        packed_kb = bomb.stat().st_size // 1000
    return [
        row(f"refuse a .docx bomb ({packed_kb} KB → {20 if quick else 189} MB)", docx_s, baseline,
            f"< {GOAL_SECONDS:g} s", docx_s < GOAL_SECONDS, "baseline: reading the same transcript without the bomb"),
        row("refuse a .qdpx member declared at 2 GB", qdpx_s, baseline, f"< {GOAL_SECONDS:g} s",
            qdpx_s < GOAL_SECONDS, "baseline: reading the plain .docx"),
    ]
