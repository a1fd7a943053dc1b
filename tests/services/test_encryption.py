"""An encrypted study: nothing readable without the passphrase, a wrong one refused at open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require

require("sqlcipher3")
require("cryptography")

from reverie.core.errors import InvalidInput  # noqa: E402
from reverie.services.study import interviews, participants, studies  # noqa: E402
from reverie.services.study.encryption import init_encrypted_study  # noqa: E402
from reverie.services.transcripts import search  # noqa: E402
from reverie.services.transcripts import versions as transcripts  # noqa: E402
from tests.fixtures.audio import pcm_wav  # noqa: E402

PHRASE = "such a silly little thing about the milk"


def test_encrypted_study_hides_text_and_refuses_a_wrong_passphrase(tmp_path):
    root = tmp_path / "secret"
    study = init_encrypted_study(root, "correct horse battery", title="Secret", identity=studies.Identity("T", "TM"))
    participants.add_participant(study, "P1")
    recording = tmp_path / "p1.wav"
    pcm_wav(recording, PHRASE.encode() * 50)
    interviews.add_interview(study, "P1", 1, recording=recording)
    text = tmp_path / "t.txt"
    text.write_text(f"I: Tell me.\nP1: It was {PHRASE}.\n", encoding="utf-8")
    transcripts.import_transcript(study, "P1", 1, text)
    study.close()

    for path in [root / "study.db", *root.glob("study.db-*"), *(root / "media").glob("??/*")]:
        assert PHRASE.encode() not in path.read_bytes(), path
        assert b"milk" not in path.read_bytes(), path

    with pytest.raises(InvalidInput, match="wrong passphrase"):
        studies.open_study(root, passphrase="not the passphrase")
    with pytest.raises(InvalidInput, match="encrypted"):
        studies.open_study(root)

    reopened = studies.open_study(root, passphrase="correct horse battery")
    assert search.search(reopened, "milk")[0].participant == "P1"
    recorded = interviews.recording_for(reopened, "P1", 1)
    assert b"".join(reopened.media.read(recorded.sha256)) == recording.read_bytes()
    assert studies.verify_audit(reopened).ok
    reopened.close()


@pytest.mark.postgres
def test_team_study_media_are_encrypted_at_rest(tmp_path, pg_schema_url):
    import stat

    root = tmp_path / "team"
    study = studies.init_study(root, title="Team", database=pg_schema_url, identity=studies.Identity("T", "TM"))
    key = Path((root / "study.toml").read_text().split('media_key = "')[1].split('"')[0])
    assert key.is_file() and not key.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    assert root not in key.parents and (root / "media") not in key.parents  # whoever copies the folder lacks it
    participants.add_participant(study, "P1")
    recording = tmp_path / "p1.wav"
    pcm_wav(recording, PHRASE.encode() * 50)
    interviews.add_interview(study, "P1", 1, recording=recording)
    study.close()
    stored = list((root / "media").glob("??/*"))
    assert len(stored) == 1 and PHRASE.encode() not in stored[0].read_bytes()
    reopened = studies.open_study(root)
    assert b"".join(reopened.media.read(interviews.recording_for(reopened, "P1", 1).sha256)) == recording.read_bytes()
    reopened.close()
    key.unlink()
    with pytest.raises(InvalidInput, match="media key is missing"):
        studies.open_study(root)
