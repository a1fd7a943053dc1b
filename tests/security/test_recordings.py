"""A recording must be audio that plays: a web page, an image or a cut-off file is refused.

Why it matters: the workbench serves recordings from its own origin, so an ``x.html`` or an SVG
with a script attached as a recording would run with the researcher's access (issue 13, point 7).
PyAV opens an SVG or a PNG as a *video* stream, so the check is that an audio stream decodes.
Every case goes through the real ``reverie`` command, and a refusal leaves the study unchanged.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.fixtures.audio import pcm_wav

pytest.importorskip("av")


def reverie(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 4)) + chunk(b"IEND", b""))


def hostile_files(folder: Path) -> dict[str, Path]:
    """Files named like recordings that are not: a page, an SVG and a PNG (both of which PyAV opens
    as video), a WAV cut off after its header, and noise with an audio name."""
    whole = pcm_wav(folder / "whole.wav", b"\x01\x02" * 8000).read_bytes()
    made = {
        "page.html": b"<html><script>fetch('/consultations').then(r => r.text())</script></html>",
        "image.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        "image.png": _png(),
        "cut.wav": whole[:44],
        "noise.mp3": bytes(range(256)) * 20,
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)
    (folder / "whole.wav").unlink()
    return {name: folder / name for name in made}


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("recordings") / "study"
    for args in (("init", root, "--title", "Recordings", "--name", "Tom Moore", "--initials", "TM"),
                 ("participants", "add", root, "--code", "P1"),
                 ("interviews", "add", root, "--participant", "P1", "--round", "1")):
        assert reverie(*args).returncode == 0
    return root


def _media(root: Path) -> list[Path]:
    return sorted(p for p in (root / "media").rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["page.html", "image.svg", "image.png", "cut.wav", "noise.mp3"])
def test_attach_refuses_what_is_not_a_recording(study, tmp_path, name):
    path = hostile_files(tmp_path)[name]
    before = _media(study)
    result = reverie("interviews", "attach", study, path, "--participant", "P1", "--round", "1")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("error: ") and str(path) in message and "recording" in message, message
    assert "Traceback" not in result.stderr and len(message.splitlines()) == 1
    assert _media(study) == before


@pytest.mark.parametrize("name", ["page.html", "image.svg"])
def test_interviews_add_refuses_a_page_as_its_recording(study, tmp_path, name):
    path = hostile_files(tmp_path)[name]
    result = reverie("interviews", "add", study, "--participant", "P1", "--round", "2", "--recording", path)
    assert result.returncode == 1 and str(path) in result.stderr and "Traceback" not in result.stderr
    listed = json.loads(reverie("interviews", "list", study, "--format", "json").stdout)
    assert [row["round"] for row in listed] == [1]


def test_a_real_short_wav_is_accepted(study, tmp_path):
    wav = pcm_wav(tmp_path / "p1.wav", b"\x10\x00" * 4000)
    result = reverie("interviews", "attach", study, wav, "--participant", "P1", "--round", "1")
    assert result.returncode == 0, result.stderr
    assert len(_media(study)) == 1
