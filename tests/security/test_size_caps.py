"""No hostile input costs more than its cap: bodies are refused while they stream, archives before unpacking.

Issue 13, point 8: the team guard read every body into memory before any permission check (a
participant reviewer's 400 MB POST took the server from 206 MB to 908 MB); a 674 KB ``.docx``
unpacking to 189 MB ran the importer to 5.7 GB; a ``.qdpx`` member declared at 2,000,000,000 bytes
was read for 4 GB. Here the real servers and the real ``reverie`` command are attacked, and the
tests measure what it cost them: the bytes the server took in and its peak memory (``VmHWM``),
and the importing process's peak memory and bytes read. How fast the refusals are is a goal in
``bench/`` (``archive_bench``), not an assertion here.
"""

from __future__ import annotations

import json
import re
import select
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures.archives import qdpx_declaring
from tests.security import servers

local_study, workbench = servers.local_study, servers.workbench  # the fixtures: a real `reverie serve`

MB = 1000 * 1000
BODY_CAP = 10 * MB


def listening_pid(port: int) -> int:
    """The process listening on 127.0.0.1:``port`` (found through its socket's inode in /proc)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            inode = fields[9]
    assert inode, f"nothing listens on port {port}"
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if fd.readlink().name == f"socket:[{inode}]":
                return int(fd.parts[2])
        except OSError:
            continue
    raise AssertionError(f"no process of ours holds port {port}")


def peak_memory(pid: int) -> int:
    """A process's peak resident memory (VmHWM), in bytes."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found[1]) * 1024


def stream_post(url: str, path: str, headers: dict[str, str], total: int, *, declare: bool,
                content_type: str = "application/x-www-form-urlencoded") -> tuple[int, bytes]:
    """POST ``total`` bytes of form data over a raw socket, stopping when the server answers.

    Returns how many body bytes were sent and the start of the answer. With ``declare`` the size
    goes in Content-Length; otherwise the body is chunked, so only counting can stop it.
    """
    where = urlsplit(url)
    # Connection: close, so the server ends the connection after its answer and reading it ends there.
    lines = [f"POST {path} HTTP/1.1", f"Host: {where.netloc}", "Connection: close", f"Content-Type: {content_type}",
             *(f"{k}: {v}" for k, v in headers.items()),
             f"Content-Length: {total}" if declare else "Transfer-Encoding: chunked"]
    piece = b"summary=" + b"a" * (256 * 1024 - 8)
    sent = 0
    with socket.create_connection((where.hostname, where.port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            while sent < total:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered (or closed): stop sending
                sock.sendall(piece if declare else b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while len(answer) < 4096 and (chunk := sock.recv(4096)):
                answer += chunk
                sock.settimeout(2)  # the answer has begun: what is left of it comes at once
        except (ConnectionResetError, TimeoutError):
            pass
    return sent, answer


@pytest.mark.postgres
@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
def test_a_reviewers_huge_post_is_refused_without_buffering_it(team, clients, declare):
    reviewer = clients["rev-p1"]
    port = urlsplit(team.url).port
    server = listening_pid(port)
    before = peak_memory(server)
    cookies = "; ".join(f"{name}={value}" for name, value in reviewer.cookies.items())
    sent, answer = stream_post(team.url, f"/review/{team.ids['c_p1']}/responses", {"Cookie": cookies},
                               400 * MB, declare=declare)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"larger than 10 MB" in answer
    assert sent < 40 * MB  # what the socket buffers hold, not the 400 MB
    assert peak_memory(server) - before < 50 * MB
    assert reviewer.get("/review").status_code == 200


def test_local_bodies_past_10_mb_are_refused_and_write_nothing(workbench):
    reader = workbench.client.get(workbench.url("interviews/P1/1/transcript"))
    assert reader.status_code == 200
    port = urlsplit(workbench.base).port
    server = listening_pid(port)
    before = peak_memory(server)
    cookies = "; ".join(f"{name}={value}" for name, value in workbench.client.cookies.items())
    headers = {"Cookie": cookies, "Origin": workbench.client.headers["Origin"],
               "X-CSRF-Token": workbench.client.headers.get("X-CSRF-Token", "")}
    # A JSON route: FastAPI reads such a body whole before validating it, so only the cap bounds it.
    path = urlsplit(workbench.url("interviews/P1/1/codings")).path
    for declare in (True, False):
        sent, answer = stream_post(workbench.base, path, headers, 200 * MB, declare=declare,
                                   content_type="application/json")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b"larger than 10 MB" in answer and sent < 40 * MB
    assert peak_memory(server) - before < 50 * MB
    assert workbench.client.get(workbench.url("interviews/P1/1/transcript")).text == reader.text  # nothing was coded


def test_a_body_under_the_cap_still_works(workbench):
    response = workbench.client.post(workbench.url("ppi-groups"), data={"label": "PPI-Z", "composition": "carers"},
                                     headers={"HX-Request": "true"})
    assert response.status_code < 400, response.text[:300]


# --- archives ------------------------------------------------------------------------------------

IMPORT = """
import json, resource, sys
from pathlib import Path
def read_bytes():
    return int(next(l.split()[1] for l in open("/proc/self/io") if l.startswith("rchar")))
kind, study, source = sys.argv[1:4]
from reverie.core.errors import InvalidInput
from reverie.services.study.studies import open_study
if kind == "docx":
    from reverie.services.transcripts.versions import import_transcript
    opened = open_study(study)
    run = lambda: import_transcript(opened, "P2", 1, Path(source))
else:
    from reverie.services.output.refi_import import import_qdpx
    run = lambda: import_qdpx(Path(source), Path(study))
base_memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
base_read = read_bytes()
try:
    run()
    error = None
except InvalidInput as exc:
    error = str(exc)
print(json.dumps({"error": error, "read": read_bytes() - base_read,
                  "memory": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base_memory}))
"""


def attempt_import(kind: str, target: Path, source: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", IMPORT, kind, str(target), str(source)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def docx_bomb(path: Path) -> Path:
    """A real Word transcript whose document.xml unpacks to 189 MB (the packed file is a few hundred KB)."""
    import docx

    document = docx.Document()
    document.add_paragraph("I: Tell me about the ward.")
    plain = path.with_name("plain.docx")
    document.save(plain)
    paragraph = b"<w:p><w:r><w:t>" + b"P1: and the milk " * 60 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                head, tail = data.split(b"<w:body>")
                data = head + b"<w:body>" + paragraph * (189 * MB // len(paragraph)) + tail
            out.writestr(name, data)
    return path


def test_a_docx_bomb_is_refused_before_it_is_unpacked(local_study, tmp_path):
    study = Path(shutil.copytree(local_study, tmp_path / "study"))
    bomb = docx_bomb(tmp_path / "P2.docx")
    assert bomb.stat().st_size < 1 * MB
    before = sorted((p.name, p.stat().st_size) for p in study.rglob("*"))
    outcome = attempt_import("docx", study, bomb)
    assert outcome["error"] and "P2.docx" in outcome["error"] and "zip bomb" in outcome["error"]
    assert outcome["read"] < 2 * MB  # the archive's directory, not 189 MB
    assert outcome["memory"] < 30 * MB
    assert sorted((p.name, p.stat().st_size) for p in study.rglob("*") if p.name != "study.db-shm") == \
        [entry for entry in before if entry[0] != "study.db-shm"]


def test_a_qdpx_member_declared_at_2_gb_is_refused_before_it_is_read(tmp_path):
    forged = qdpx_declaring(tmp_path / "forged.qdpx", 2_000_000_000)
    with zipfile.ZipFile(forged) as archive:
        assert archive.getinfo("sources/interview.txt").file_size == 2_000_000_000
    target = tmp_path / "imported"
    outcome = attempt_import("qdpx", target, forged)
    assert outcome["error"] and "forged.qdpx" in outcome["error"] and "sources/interview.txt" in outcome["error"]
    assert outcome["read"] < 1 * MB and outcome["memory"] < 30 * MB
    assert not target.exists()
    cli = subprocess.run([sys.executable, "-m", "reverie.cli", "refi", "import", forged, tmp_path / "by-cli"],
                         capture_output=True, text=True)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr and len(cli.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "by-cli").exists()
