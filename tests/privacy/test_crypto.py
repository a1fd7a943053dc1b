"""Encryption at rest: study keys, encrypted media and SQLCipher through SQLAlchemy."""

import io
import json
import os
import threading

import pytest

from reverie.core.errors import InvalidInput
from reverie.privacy import crypto
from tests.conftest import require

require("argon2")
require("cryptography")

# Cheap Argon2 parameters so the suite stays fast; the defaults are checked separately.
FAST = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
KEY = bytes(range(32))


def _new_key(path, passphrase):
    key, header = crypto.new_study_key(passphrase, params=FAST)
    path.write_bytes(header)
    return key


def _encrypt(src, dst, key, **options):
    with open(src, "rb") as plain, open(dst, "wb") as sealed:
        crypto.encrypt_stream(plain, sealed, key, **options)


@pytest.fixture
def study_key(tmp_path):
    return _new_key(tmp_path / "study.key.json", "correct horse")


def test_unlock_with_right_passphrase_gives_same_key(tmp_path, study_key):
    again, rekeyed = crypto.open_study_key(tmp_path / "study.key.json", "correct horse", study="ward-study")
    assert again == study_key and len(again) == 32 and rekeyed is None


def test_wrong_passphrase_is_detected_at_unlock(tmp_path, study_key):
    with pytest.raises(InvalidInput, match="wrong passphrase for study ward-study"):
        crypto.open_study_key(tmp_path / "study.key.json", "battery staple", study="ward-study")


def test_sidecar_holds_salt_and_check_but_not_key(tmp_path, study_key):
    record = json.loads((tmp_path / "study.key.json").read_text())
    assert record["kdf"] == "argon2id" and record["format"] == "reverie-study-key"
    assert study_key.hex() not in json.dumps(record)


def test_each_study_gets_its_own_salt(tmp_path):
    a, header_a = crypto.new_study_key("same words", params=FAST)
    b, header_b = crypto.new_study_key("same words", params=FAST)
    assert a != b and header_a != header_b


def test_damaged_or_hostile_sidecar_is_refused(tmp_path, study_key):
    path = tmp_path / "study.key.json"
    record = json.loads(path.read_text())
    record["memory_kib"] = 1 << 30  # would try to allocate a terabyte
    path.write_text(json.dumps(record))
    with pytest.raises(InvalidInput, match="out of range"):
        crypto.open_study_key(path, "correct horse", study="s")
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="not a readable"):
        crypto.open_study_key(path, "correct horse", study="s")
    with pytest.raises(InvalidInput, match="missing"):
        crypto.open_study_key(tmp_path / "absent.json", "x", study="s")


def test_default_kdf_parameters_are_memory_hard():
    params = crypto.KdfParams()
    assert params.memory_kib >= 64 * 1024 and params.time_cost >= 3
    assert len(crypto.derive_key("pass", b"s" * 16, params)) == 32


def test_subkeys_differ_by_purpose():
    assert crypto.subkey(KEY, "database") != crypto.subkey(KEY, "media")
    assert crypto.subkey(KEY, "media") == crypto.subkey(KEY, "media")


@pytest.mark.parametrize("size", [0, 1, 100, 4096, 4096 * 3, 4096 * 3 + 17])
def test_round_trip_at_chunk_edges(tmp_path, size):
    plain = os.urandom(size)
    (tmp_path / "a.wav").write_bytes(plain)
    _encrypt(tmp_path / "a.wav", tmp_path / "a.enc", KEY, chunk_bytes=4096)
    sealed = (tmp_path / "a.enc").read_bytes()
    assert sealed.startswith(b"RVMEDIA\x01")
    assert crypto.open_decrypted(tmp_path / "a.enc", KEY) == plain


def test_ciphertext_hides_content_and_differs_each_time(tmp_path):
    plain = b"participant P3 talks about Ward 42 " * 200
    (tmp_path / "a.wav").write_bytes(plain)
    _encrypt(tmp_path / "a.wav", tmp_path / "1.enc", KEY)
    _encrypt(tmp_path / "a.wav", tmp_path / "2.enc", KEY)
    one, two = (tmp_path / "1.enc").read_bytes(), (tmp_path / "2.enc").read_bytes()
    assert b"Ward 42" not in one and one != two


def test_wrong_key_is_named_as_such(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"voice")
    _encrypt(tmp_path / "a.wav", tmp_path / "a.enc", KEY)
    with pytest.raises(InvalidInput, match="different key"):
        crypto.open_decrypted(tmp_path / "a.enc", bytes(32))


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # cut inside the last chunk
        lambda b: b[: crypto._HEADER.size + 4096 + 16],  # cut exactly at a chunk boundary
        lambda b: b[:60] + bytes([b[60] ^ 1]) + b[61:],  # flip one ciphertext bit
        lambda b: b[:14] + bytes([b[14] ^ 1]) + b[15:],  # flip the header's salt
    ],
)
def test_tampering_and_truncation_fail(tmp_path, damage):
    (tmp_path / "a.wav").write_bytes(os.urandom(4096 * 2 + 5))
    _encrypt(tmp_path / "a.wav", tmp_path / "a.enc", KEY, chunk_bytes=4096)
    (tmp_path / "a.enc").write_bytes(damage((tmp_path / "a.enc").read_bytes()))
    with pytest.raises(InvalidInput):
        crypto.open_decrypted(tmp_path / "a.enc", KEY)


def test_swapped_chunks_fail(tmp_path):
    size = crypto._HEADER.size
    (tmp_path / "a.wav").write_bytes(os.urandom(4096 * 3))
    _encrypt(tmp_path / "a.wav", tmp_path / "a.enc", KEY, chunk_bytes=4096)
    raw = (tmp_path / "a.enc").read_bytes()
    step = 4096 + 16
    first, second = raw[size : size + step], raw[size + step : size + 2 * step]
    (tmp_path / "a.enc").write_bytes(raw[:size] + second + first + raw[size + 2 * step :])
    with pytest.raises(InvalidInput, match="chunk 0"):
        crypto.open_decrypted(tmp_path / "a.enc", KEY)


def test_not_an_encrypted_file(tmp_path):
    (tmp_path / "plain.wav").write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(InvalidInput, match="not an encrypted Reverie file"):
        crypto.open_decrypted(tmp_path / "plain.wav", KEY)


def test_bad_key_length_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="32 bytes"):
        crypto.encrypt_stream(io.BytesIO(b"voice"), io.BytesIO(), b"short")


# --- SQLCipher -------------------------------------------------------------------------------

sa = require("sqlalchemy")
require("sqlcipher3")

PHRASE = "Sister Quinn on the Acorn ward"


def _engine(path, key):
    from sqlalchemy.pool import QueuePool

    return sa.create_engine(
        "sqlite://",
        creator=crypto.sqlcipher_creator(path, key),
        module=crypto.sqlcipher_dbapi(),
        poolclass=QueuePool,
        pool_size=2,
    )


def test_sqlcipher_file_has_no_plaintext_and_reopens(tmp_path):
    db = tmp_path / "study.db"
    engine = _engine(db, KEY)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE extract (id INTEGER PRIMARY KEY, quote TEXT)")
        conn.exec_driver_sql("INSERT INTO extract (quote) VALUES (?)", (PHRASE,))
    engine.dispose()
    raw = db.read_bytes()
    assert PHRASE.encode() not in raw and b"extract" not in raw
    assert not raw.startswith(b"SQLite format 3")
    engine = _engine(db, KEY)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT quote FROM extract").scalar_one() == PHRASE
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar_one().startswith("4.")
    engine.dispose()


def test_sqlcipher_wrong_key_fails_clearly_at_connect(tmp_path):
    db = tmp_path / "study.db"
    engine = _engine(db, KEY)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    with pytest.raises(InvalidInput, match="wrong key"):
        _engine(db, bytes(32)).connect()


def test_sqlcipher_errors_are_wrapped_by_sqlalchemy(tmp_path):
    engine = _engine(tmp_path / "study.db", KEY)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE code (name TEXT UNIQUE)")
        conn.exec_driver_sql("INSERT INTO code VALUES ('milk')")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO code VALUES ('milk')")
    engine.dispose()


def test_sqlcipher_engine_is_usable_from_threads(tmp_path):
    engine = _engine(tmp_path / "study.db", KEY)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE n (x INTEGER)")
    errors = []

    def work(i):
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO n VALUES (?)", (i,))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM n").scalar_one() == 8
    engine.dispose()
    assert errors == []
