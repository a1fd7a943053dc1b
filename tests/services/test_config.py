"""team.toml: one validated settings object, refusing unsafe values with the file and the setting named."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from reverie.core.errors import InvalidInput
from reverie.services.system.config import TeamSettings, load_settings


@pytest.fixture
def write(tmp_path, monkeypatch):
    for name in ("REVERIE_PORT", "REVERIE_REDIS", "REVERIE_STUDY", "REVERIE_WORKER__THREADS"):
        monkeypatch.delenv(name, raising=False)

    def write(text: str, mode: int = 0o600) -> Path:
        path = tmp_path / "team.toml"
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        return path

    return write


def refusal(path: Path) -> str:
    with pytest.raises(InvalidInput) as raised:
        load_settings(path)
    return str(raised.value)


def test_defaults_and_relative_paths(write):
    path = write('study = "study"\n')
    settings = load_settings(path)
    assert settings.study == path.parent / "study" and settings.media_dir == path.parent / "study" / "media"
    assert (settings.host, settings.port, settings.redis, settings.namespace) == (
        "127.0.0.1", 8000, "redis://127.0.0.1:6379/0", "reverie")
    assert settings.worker.heartbeat_timeout_s == 10 and settings.source == path
    assert not settings.names_redis


def test_settings_survive_the_trip_to_a_worker_process(write):
    settings = load_settings(write('study = "/srv/study"\n[worker]\nprocesses = 3\n'))
    copy = pickle.loads(pickle.dumps(settings))
    assert copy == settings and copy.source == settings.source


@pytest.mark.parametrize("text,message", [
    ("port = 8000\n", "`study` is required (The study folder"),
    ('study = "s"\nport = 80\n', "port must be between 1024 and 65535, not 80"),
    ('study = "s"\nport = "8000"\n', "port must be between 1024 and 65535, not '8000'"),
    ('study = "s"\nsurprise = 1\n', "unknown setting surprise (known: database, host, media"),
    ('study = "s"\n[worker]\nthread = 2\n', "unknown setting worker.thread (known: chunk_time_limit_s"),
    ('study = "s"\nworker = 3\n', "[worker] must be a table"),
    ('study = ""\n', "study must be a non-empty string"),
    ('study = "s"\nhost = ""\n', "host must be a non-empty string"),
    ('study = "s"\ndatabase = "sqlite:///study.db"\n', "database must be a postgresql:// URL"),
    ('study = "s"\nnamespace = "a b"\n', "namespace 'a b': use letters, digits"),
    ('study = "s"\nredis = "http://queue"\n', "redis must be a redis://, rediss:// or unix:// URL"),
    ('study = "s"\nredis = "redis://queue.internal:6379/0"\n', "redis at queue.internal has no password"),
    ('study = "s"\n[worker]\nprocesses = true\n', "worker.processes must be a whole number from 1 to 64, not True"),
    ('study = "s"\n[worker]\nthreads = 0\n', "worker.threads must be a whole number from 1 to 32"),
    ('study = "s"\n[worker]\nmax_retries = 11\n', "worker.max_retries must be a whole number from 0 to 10"),
    ('study = "s"\n[worker]\nchunk_time_limit_s = "300"\n', "worker.chunk_time_limit_s must be a number"),
    ('study = "s"\n[worker]\nchunk_time_limit_s = 5\n', "worker.chunk_time_limit_s must be 10-3600 s"),
    ('study = "s"\n[worker]\nmin_backoff_s = 20\n', "worker backoff must satisfy 0 < min_backoff_s <= max_backoff_s"),
    ('study = "s"\n[worker]\nheartbeat_timeout_s = 1\n', "worker.heartbeat_timeout_s must be 3-600 s"),
    ('study = "s"\n[worker]\nrecovery_check_chance = 0\n', "worker.recovery_check_chance must be above 0"),
    ('study = "s"\n[worker]\ndead_message_ttl_s = 10\n', "worker.dead_message_ttl_s must be between a minute"),
    ("study = [\n", "not valid TOML"),
])
def test_unsafe_or_mistaken_values_are_refused_naming_the_file_and_setting(write, text, message):
    path = write(text)
    refused = refusal(path)
    assert refused.startswith(f"{path}: ") and message in refused, refused


def test_a_missing_file_is_named(tmp_path):
    assert refusal(tmp_path / "nowhere.toml") == f"{tmp_path / 'nowhere.toml'}: no such settings file"


def test_a_password_in_a_file_others_can_read_is_refused(write):
    path = write('study = "s"\nredis = "redis://:secret@queue.internal:6379/0"\n', mode=0o644)
    assert refusal(path) == f"{path} holds a password but others can read it; run `chmod 600 {path}`"
    path.chmod(0o600)
    assert load_settings(path).names_redis


def test_environment_variables_override_the_file(write, monkeypatch):
    path = write('study = "s"\nport = 8001\n', mode=0o644)
    monkeypatch.setenv("REVERIE_PORT", "8002")
    monkeypatch.setenv("REVERIE_WORKER__THREADS", "2")
    monkeypatch.setenv("REVERIE_REDIS", "redis://:secret@queue.internal:6379/0")
    settings = load_settings(path)
    assert (settings.port, settings.worker.threads, settings.names_redis) == (8002, 2, True)
    monkeypatch.setenv("REVERIE_PORT", "80")
    assert "port (from REVERIE_PORT) must be between 1024 and 65535, not 80" in refusal(path)


def test_settings_made_in_code_are_checked_too(monkeypatch):
    monkeypatch.delenv("REVERIE_PORT", raising=False)
    assert TeamSettings(study="/srv/study", port=8080).port == 8080
    with pytest.raises(ValueError, match="must be between 1024 and 65535"):
        TeamSettings(study="/srv/study", port=22)
