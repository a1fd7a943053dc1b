"""Encryption at rest leaves no plaintext behind (issue 13, point 5; passphrases, point 10).

Each test attacks the real process: a ``reverie serve`` or ``reverie server`` killed with
SIGKILL while it plays a recording, the ``reverie`` command itself for init and open. "No
plaintext" is checked the hard way: every file under the study and under the server's own
temp folder is searched for slices of the original recording's bytes (random samples, so a
match is a leak, never chance), or for words that only the plaintext report holds.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import httpx
import pytest

from reverie.services.analysis import extracts
from reverie.services.involvement import consultations
from reverie.services.study import interviews, participants, studies
from reverie.services.study.context import read_manifest
from reverie.services.system import members as accounts
from reverie.services.transcripts import versions as transcripts
from tests.conftest import TM, require
from tests.fixtures.audio import pcm_wav
from tests.team.conftest import PASSWORD, TEXT, Team, sign_in, team_config

require("argon2")
require("cryptography")
require("sqlcipher3")

PASSPHRASE = "seven ravens quietly fold maps"
TITLE = "Zebra-7781 ward study"
RECORDING_BYTES = 2_500_000  # three 1 MiB chunks once encrypted


def reverie(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reverie.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def recording(folder: Path) -> tuple[Path, list[bytes]]:
    """A WAV of random samples, and slices of it to search for (any one found on disk is a leak)."""
    path = pcm_wav(folder / "p1.wav", os.urandom(RECORDING_BYTES))
    data = path.read_bytes()
    return path, [data[at:at + 48] for at in range(1000, len(data) - 48, len(data) // 9)]


def leaks(needles: list[bytes], *folders: Path) -> list[str]:
    """Every file under ``folders`` that holds one of ``needles``."""
    found = []
    for folder in folders:
        for place, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(place) / name
                if path.is_symlink() or not path.is_file():
                    continue
                data = path.read_bytes()
                if any(needle in data for needle in needles):
                    found.append(str(path))
    return found


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reverie.cli", *command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1", **env})


def crash(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def play_then_crash(client: httpx.Client, audio: str, original: bytes, process: subprocess.Popen) -> None:
    """Play the recording (whole, then seeking), start it again and kill the server mid-stream."""
    whole = client.get(audio)
    assert whole.status_code == 200 and whole.content == original
    seek = client.get(audio, headers={"Range": "bytes=1100000-1300000"})
    assert seek.status_code == 206 and seek.content == original[1_100_000:1_300_001]
    assert seek.headers["content-range"] == f"bytes 1100000-1300000/{len(original)}"
    with client.stream("GET", audio) as streaming:
        next(streaming.iter_bytes())
        crash(process)


def local_client(process: subprocess.Popen) -> tuple[httpx.Client, str]:
    """A client that opened ``reverie serve``'s one-time link; and the workbench's base URL."""
    link = process.stdout.readline().strip()
    assert link.startswith("http://127.0.0.1:"), (link, process.stderr.read() if process.poll() else "")
    client = httpx.Client(follow_redirects=True, timeout=30)
    client.get(link).raise_for_status()
    return client, link.split("?")[0]


@pytest.fixture
def encrypted_study(tmp_path) -> tuple[Path, Path, list[bytes]]:
    """An encrypted study with P1's recording and a PPI consultation; its root, recording and needles."""
    from reverie.services.study.encryption import init_encrypted_study

    root = tmp_path / "study"
    wav, needles = recording(tmp_path)
    study = init_encrypted_study(root, PASSPHRASE, title=TITLE, identity=TM)
    participants.add_participant(study, "P1", gender="Female", profession="Nurse", setting="Community",
                                 years_band="10-15", status="consented")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", recording=wav)
    text = tmp_path / "p1.txt"
    text.write_text(TEXT.format(code="P1"), encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, text, layout="per-turn")
    transcripts.lock_transcript(study, "P1", 1)
    extracts.add_extract(study, "P1", 2, 2, why="expectation")
    consultations.add_ppi_group(study, "PPI-A", composition_summary="carers")
    consultation = consultations.add_consultation(study, "ppi_analysis", held_on="2019-06-01", group="PPI-A")
    consultations.show_extract(study, consultation.id, "E1", with_memo=False)
    study.close()
    return root, wav, needles


def test_a_recording_played_from_an_encrypted_study_leaves_no_plaintext_after_a_crash(encrypted_study, tmp_path):
    root, wav, needles = encrypted_study
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    server = start(["serve", str(root), "--no-browser"], {"TMPDIR": str(system_temp), "REVERIE_PASSPHRASE": PASSPHRASE})
    try:
        client, base = local_client(server)
        play_then_crash(client, base + "interviews/P1/1/audio", wav.read_bytes(), server)
    finally:
        if server.poll() is None:
            crash(server)
    assert leaks(needles, system_temp, root) == []


@pytest.mark.postgres
def test_a_team_study_keeps_its_media_key_outside_and_leaves_no_plaintext_after_a_crash(tmp_path, pg_schema_url):
    root = tmp_path / "study"
    wav, needles = recording(tmp_path)
    study = studies.init_study(root, title=TITLE, database=pg_schema_url, identity=TM)
    participants.add_participant(study, "P1", status="consented")
    interviews.add_interview(study, "P1", 1, held_on="2019-03-01", recording=wav)
    accounts.add_user(study, "lead", PASSWORD, role="lead")
    study.close()
    # The media key lives outside the study folder: a copy of the folder holds only ciphertext.
    key = Path(read_manifest(root).media_key)
    assert key.is_file() and root not in key.parents and _mode(key) == 0o600
    assert leaks([key.read_bytes().strip()], root) == []
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    config = team_config(tmp_path / "team.toml", root)
    server = start(["server", "--config", str(config)], {"TMPDIR": str(system_temp)})
    try:
        url = server.stdout.readline().strip().rstrip("/")
        assert url.startswith("http://127.0.0.1:"), (url, server.stderr.read() if server.poll() else "")
        client = sign_in(Team(url=url, root=root, db_url=pg_schema_url, config=config, ids={}), "lead")
        client.follow_redirects = True
        play_then_crash(client, "/interviews/P1/1/audio", wav.read_bytes(), server)
    finally:
        if server.poll() is None:
            crash(server)
    assert leaks(needles, system_temp, root) == []


def test_a_decrypted_copy_for_the_speech_models_is_private_and_swept_after_a_crash(encrypted_study, tmp_path):
    """Transcription and prosody need a path: a 0700 folder, removed by the next Reverie process
    when the one that made it was killed."""
    root, _wav, needles = encrypted_study
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
from reverie.services.study import interviews, studies
study = studies.open_study({str(root)!r}, passphrase={PASSPHRASE!r})
with study.media.plain_file(interviews.recording_for(study, "P1", 1).sha256) as path:
    print(path, flush=True)
    time.sleep(600)
"""], stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(system_temp)})
    try:
        plain = Path(holder.stdout.readline().strip())
    finally:
        crash(holder)
    assert plain.parent.parent == system_temp and stat.S_IMODE(plain.parent.stat().st_mode) == 0o700
    assert leaks(needles, system_temp) == [str(plain)]  # what the kill left, until the next start
    opened = reverie("participants", "add", root, "--code", "P2",
                     env={"TMPDIR": str(system_temp), "REVERIE_PASSPHRASE": PASSPHRASE})
    assert opened.returncode == 0, opened.stderr
    assert leaks(needles, system_temp, root) == [] and not plain.parent.exists()


def test_reports_and_packets_of_an_encrypted_study_are_not_written_inside_it_in_plaintext(encrypted_study, tmp_path):
    root, _wav, _needles = encrypted_study
    server = start(["serve", str(root), "--no-browser"], {"REVERIE_PASSPHRASE": PASSPHRASE})
    try:
        client, base = local_client(server)
        page = client.get(base)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
        report = client.post(base + "report", data={"fmt": "md"}, headers={"X-CSRF-Token": token})
        assert report.status_code == 200 and TITLE in report.text  # the download still works
        packet = client.get(base + "consultations/1/packet.html")
        assert packet.status_code == 200 and "Please tell us what the extracts mean to you" in packet.text
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert leaks([TITLE.encode(), b"Please tell us what the extracts mean to you"], root) == []


@pytest.mark.postgres
def test_init_keeps_the_database_password_out_of_study_toml(tmp_path, pg_schema_url):
    root = tmp_path / "team"
    with_password = pg_schema_url.replace("postgres@", "postgres:Hunter2-not-here@", 1)
    made = reverie("init", root, "--database", with_password, "--initials", "TM")
    assert made.returncode == 0, made.stderr
    assert "Hunter2-not-here" not in (root / "study.toml").read_text()
    assert ".pgpass" in made.stderr and "PGPASSWORD" in made.stderr  # where the password goes instead
    listed = reverie("participants", "table", root)  # libpq finds the password itself (here: trust)
    assert listed.returncode == 0, listed.stderr
    # A study.toml that still holds one (written by an older Reverie) is refused, naming the file.
    manifest = root / "study.toml"
    manifest.write_text(manifest.read_text().replace("postgres@", "postgres:Hunter2-not-here@"))
    refused = reverie("participants", "table", root)
    assert refused.returncode != 0 and "study.toml" in refused.stderr and "password" in refused.stderr
    assert "Traceback" not in refused.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_study_files_are_owner_only_and_an_older_study_is_tightened_when_opened(tmp_path):
    old_umask = os.umask(0o022)  # what most systems give a researcher's shell
    try:
        root = tmp_path / "study"
        assert reverie("init", root, "--initials", "TM").returncode == 0
        assert reverie("participants", "add", root, "--code", "P1").returncode == 0
        wav, _needles = recording(tmp_path)
        added = reverie("interviews", "add", root, "--participant", "P1", "--round", "1", "--recording", wav)
        assert added.returncode == 0, added.stderr
        server = start(["serve", str(root), "--no-browser"], {})
        try:
            client, base = local_client(server)
            token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(base).text)[1]
            assert client.post(base + "report", data={"fmt": "md"}, headers={"X-CSRF-Token": token}).status_code == 200
            study = studies.open_study(root)  # while the server holds it open: the WAL files exist
            try:
                participants.add_participant(study, "P2")
                wal = [root / "study.db-wal", root / "study.db-shm"]
                assert all(path.exists() for path in wal)
                assert {str(p): _mode(p) for p in wal} == {str(p): 0o600 for p in wal}
            finally:
                study.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        folders = [root, root / "media", root / "backups", root / "exports", *(root / "media").glob("??")]
        files = [root / "study.db", root / "study.toml", root / "exports" / "report.md", *(root / "media").glob("??/*")]
        assert {str(p): _mode(p) for p in folders} == {str(p): 0o700 for p in folders}
        assert {str(p): _mode(p) for p in files} == {str(p): 0o600 for p in files}
        # A study made by an older Reverie: everything readable by everyone, until it is opened.
        for path in folders:
            path.chmod(0o755)
        for path in files:
            path.chmod(0o644)
        assert reverie("participants", "add", root, "--code", "P3").returncode == 0
        assert {str(p): _mode(p) for p in folders} == {str(p): 0o700 for p in folders}
        assert {str(p): _mode(p) for p in files} == {str(p): 0o600 for p in files}
    finally:
        os.umask(old_umask)


def test_a_weak_passphrase_is_refused_with_a_reason_and_writes_nothing(tmp_path):
    for weak, reason in (("short words", "12"), ("password1234", "common password"),
                         ("aaaaaaaaaaaaaaaa", "Repeats")):
        root = tmp_path / f"study-{len(weak)}"
        made = reverie("init", root, "--encrypt", "--initials", "TM", env={"REVERIE_PASSPHRASE": weak})
        assert made.returncode != 0 and reason in made.stderr and "passphrase" in made.stderr, (weak, made.stderr)
        assert "Traceback" not in made.stderr and not root.exists()
    strong = reverie("init", tmp_path / "strong", "--encrypt", "--initials", "TM",
                     env={"REVERIE_PASSPHRASE": PASSPHRASE})
    assert strong.returncode == 0, strong.stderr


def test_a_study_made_with_an_unnormalised_passphrase_still_opens_and_is_rekeyed_to_its_nfc_form(tmp_path, monkeypatch):
    """An older Reverie derived the key from the passphrase as typed: "é" as e + combining accent
    (macOS input, some keyboards) gave another key than the precomposed "é" typed elsewhere."""
    from reverie.privacy import crypto
    from reverie.services.study.encryption import KEY_FILE, init_encrypted_study

    typed = unicodedata.normalize("NFD", "café crème brûlée at nine")
    composed = unicodedata.normalize("NFC", typed)
    assert typed != composed
    root = tmp_path / "study"
    with monkeypatch.context() as old_reverie:
        old_reverie.setattr(crypto.unicodedata, "normalize", lambda _form, text: text)
        init_encrypted_study(root, typed, title=TITLE, identity=TM).close()
    header = (root / KEY_FILE).read_text()
    # The researcher types it as before (same keyboard): the normalised form fails, the raw one opens it.
    opened = reverie("participants", "add", root, "--code", "P1", env={"REVERIE_PASSPHRASE": typed})
    assert opened.returncode == 0, opened.stderr
    rekeyed = (root / KEY_FILE).read_text()
    assert rekeyed != header and '"version": 2' in rekeyed and _mode(root / KEY_FILE) == 0o600
    for form in (composed, typed):  # re-keyed: both forms are now the same passphrase
        again = reverie("participants", "table", root, env={"REVERIE_PASSPHRASE": form})
        assert again.returncode == 0, again.stderr
    assert (root / KEY_FILE).read_text() == rekeyed  # re-keyed once
    wrong = reverie("participants", "table", root, env={"REVERIE_PASSPHRASE": "cafe creme brulee at nine"})
    assert wrong.returncode != 0 and "wrong passphrase" in wrong.stderr
