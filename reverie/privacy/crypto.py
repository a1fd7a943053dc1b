"""Encryption at rest for a single-user study: a passphrase-derived key, encrypted media, SQLCipher.

Why these pieces:

- **Key derivation.** A passphrase is turned into a 32-byte study key with Argon2id (memory-hard,
  so guessing passphrases on a GPU is slow). The passphrase is Unicode-normalised (NFC) first:
  the same words typed on another keyboard or system (a composed or decomposed "é") must open
  the same study. The random salt and the cost parameters live in a
  small JSON sidecar next to the study, together with a *key-check value*, so a wrong passphrase
  is reported when the study is opened (``InvalidInput("wrong passphrase for study …")``) rather
  than as a baffling decryption failure later.
- **Sub-keys.** The study key is never used directly: :func:`subkey` derives independent keys for
  the database and for media with HKDF, so one use can never be confused with another.
- **Media.** Recordings are large, so files are encrypted in fixed-size chunks with AES-256-GCM
  (the STREAM construction: chunk counter and a last-chunk flag in the nonce, the header as
  associated data). Reordering, truncating or splicing chunks fails authentication, and neither
  encryption nor decryption holds more than one chunk in memory. Each file gets a random salt
  and its own HKDF-derived file key, so nonces never repeat across files.
- **Database.** SQLCipher 4 through the ``sqlcipher3`` wheel (which bundles SQLCipher), keyed with
  a raw 256-bit key so SQLCipher's own PBKDF2 is skipped (Argon2id already did that work).

``cryptography``, ``argon2-cffi`` and ``sqlcipher3`` are imported lazily: a study without
encryption never loads them.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import struct
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reverie.core.errors import InvalidInput

KEY_BYTES = 32

# Sidecar ("study key header") format.
_SIDECAR_FORMAT = "reverie-study-key"
# Version 1: the study key is Argon2id(passphrase). Version 2: Argon2id(passphrase) unwraps the
# study key, so the passphrase's form can change without re-encrypting the database and media.
_SIDECAR_VERSIONS = (1, 2)
_WRAP_AAD = b"reverie/study-key/v2"
_NONCE_BYTES = 12
_SALT_BYTES = 16
_CHECK_BYTES = 16

# Media file format: magic, version, chunk size, per-file salt, key-check value.
_MAGIC = b"RVMEDIA"
_MEDIA_VERSION = 1
_FILE_SALT_BYTES = 16
_HEADER = struct.Struct(f">{len(_MAGIC)}sBI{_FILE_SALT_BYTES}s{_CHECK_BYTES}s")
_TAG_BYTES = 16
DEFAULT_CHUNK_BYTES = 1 << 20
# A crafted header must not make us allocate gigabytes per chunk.
_MAX_CHUNK_BYTES = 64 << 20
_MAX_CHUNKS = 1 << 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters; the defaults follow RFC 9106's second recommended option."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4

    def check(self, where: str) -> None:
        """Refuse parameters that are too weak to protect a study or large enough to hang it."""
        if not 1 <= self.time_cost <= 64:
            raise InvalidInput(f"{where}: Argon2 time cost {self.time_cost} is out of range 1–64")
        if not 8 * self.parallelism <= self.memory_kib <= 4 * 1024 * 1024:
            raise InvalidInput(f"{where}: Argon2 memory {self.memory_kib} KiB is out of range")
        if not 1 <= self.parallelism <= 64:
            raise InvalidInput(f"{where}: Argon2 parallelism {self.parallelism} is out of range 1–64")


def derive_key(passphrase: str, salt: bytes, params: KdfParams = KdfParams()) -> bytes:
    """Return the 32-byte study key for ``passphrase`` (NFC-normalised) with Argon2id (slow on purpose)."""
    if not passphrase:
        raise InvalidInput("the passphrase is empty")
    return _argon2(unicodedata.normalize("NFC", passphrase), salt, params)


def _argon2(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def subkey(key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    """Return an independent key for one ``purpose`` ("database", "media", …) of the study key."""
    _check_key(key)
    return _hkdf(key, salt=None, info=f"reverie/{purpose}".encode(), length=length)


def new_study_key(passphrase: str, *, params: KdfParams = KdfParams()) -> tuple[bytes, bytes]:
    """Make a new study key from ``passphrase``; returns the key and the key header to store
    beside the study (its salt, cost parameters and key-check value, never the key itself)."""
    params.check("the study key")
    salt = os.urandom(_SALT_BYTES)
    key = derive_key(passphrase, salt, params)
    return key, _sidecar(1, salt, params, _key_check(key))


def _sidecar(version: int, salt: bytes, params: KdfParams, check: bytes, *, wrapped: bytes | None = None) -> bytes:
    record = {
        "format": _SIDECAR_FORMAT,
        "version": version,
        "kdf": "argon2id",
        "salt": _b64(salt),
        "time_cost": params.time_cost,
        "memory_kib": params.memory_kib,
        "parallelism": params.parallelism,
        "check": _b64(check),
    }
    if wrapped is not None:
        record["wrapped_key"] = _b64(wrapped)
    return json.dumps(record, indent=2).encode("utf-8")


def open_study_key(sidecar: str | Path, passphrase: str, *, study: str) -> tuple[bytes, bytes | None]:
    """The study key for ``passphrase`` (``InvalidInput`` if it is the wrong one), and a new key
    header when the study must be re-keyed.

    Studies made before passphrases were normalised derived their key from the passphrase as
    typed. When the NFC form fails and the raw form differs, the raw form is tried once; if it
    opens the study, the second value is a header that unwraps the same key from the NFC form
    (write it in place of the old one: the raw form then no longer opens the study, and the
    database and media need no re-encryption).
    """
    sidecar = Path(sidecar)
    salt, params, check, wrapped = _read_sidecar(sidecar)
    key = _study_key(derive_key(passphrase, salt, params), wrapped)
    if key is not None and hmac.compare_digest(_key_check(key), check):
        return key, None
    raw = passphrase != unicodedata.normalize("NFC", passphrase)
    if raw and wrapped is None:
        key = _argon2(passphrase, salt, params)
        if hmac.compare_digest(_key_check(key), check):
            return key, wrapped_study_key(key, passphrase, params=params)
    raise InvalidInput(f"wrong passphrase for study {study}")


def wrapped_study_key(key: bytes, passphrase: str, *, params: KdfParams = KdfParams()) -> bytes:
    """A key header (version 2) from which ``passphrase`` (NFC-normalised) unwraps ``key``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _check_key(key)
    params.check("the study key")
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    wrapping = subkey(derive_key(passphrase, salt, params), "study-key-wrap")
    wrapped = nonce + AESGCM(wrapping).encrypt(nonce, key, _WRAP_AAD)
    return _sidecar(2, salt, params, _key_check(key), wrapped=wrapped)


def passphrase_problem(passphrase: str) -> str | None:
    """Why ``passphrase`` is too weak to protect a study, or None when it is strong enough.

    Under 12 characters is too short; otherwise zxcvbn (a maintained estimator that knows
    common passwords, names, keyboard patterns and substitutions) must rate it 3 of 4 or more.
    """
    from zxcvbn import zxcvbn

    passphrase = unicodedata.normalize("NFC", passphrase)
    if len(passphrase) < 12:
        return f"it has {len(passphrase)} characters; use at least 12 (a few unrelated words are easiest)"
    # zxcvbn's cost grows quickly with length; a long passphrase is judged by its first 100 characters.
    verdict = zxcvbn(passphrase[:100])
    if verdict["score"] >= 3:
        return None
    feedback = verdict["feedback"]
    reason = feedback.get("warning") or "it is easy to guess"
    advice = " ".join(feedback.get("suggestions") or ["Add another word or two. Uncommon words are better."])
    return f"{reason.rstrip('.')}. {advice}"


def _study_key(derived: bytes, wrapped: bytes | None) -> bytes | None:
    """The study key: the derived key itself (version 1), or unwrapped by it (version 2)."""
    if wrapped is None:
        return derived
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(subkey(derived, "study-key-wrap")).decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:],
                                                                _WRAP_AAD)
    except InvalidTag:
        return None


def encrypt_stream(
    plain: IO[bytes], sealed: IO[bytes], key: bytes, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    where: str = "the file",
) -> None:
    """Encrypt everything read from ``plain`` into ``sealed``, one chunk in memory at a time.

    The caller owns the output: write it through a temporary file so that a failure part-way
    leaves nothing behind (:func:`reverie.store.files.atomic_write`).
    """
    _check_key(key)
    if not 1 <= chunk_bytes <= _MAX_CHUNK_BYTES:
        raise InvalidInput(f"chunk size {chunk_bytes} is out of range")
    salt = os.urandom(_FILE_SALT_BYTES)
    file_key, check = _file_keys(key, salt)
    header = _HEADER.pack(_MAGIC, _MEDIA_VERSION, chunk_bytes, salt, check)
    aead = _aesgcm(file_key)
    sealed.write(header)
    counter = 0
    chunk = plain.read(chunk_bytes)
    while True:
        # Read one ahead so the last chunk (possibly empty) is flagged as last.
        following = plain.read(chunk_bytes) if len(chunk) == chunk_bytes else b""
        last = not following
        sealed.write(aead.encrypt(_nonce(counter, last), chunk, header))
        if last:
            break
        chunk, counter = following, counter + 1
        if counter >= _MAX_CHUNKS:
            raise InvalidInput(f"{where} is too large to encrypt with {chunk_bytes}-byte chunks")


def open_decrypted(path: str | Path, key: bytes) -> bytes:
    """Return the whole plaintext of an encrypted file (for playback of short media)."""
    return b"".join(iter_decrypted(path, key))


@dataclass(frozen=True)
class _Sealed:
    """What an encrypted file's header and length say: where each chunk is and how to open it."""

    header: bytes
    chunk_bytes: int
    chunks: int
    size: int  # of the plaintext
    aead: Any


def plain_size(path: str | Path, key: bytes) -> int:
    """The plaintext length of an encrypted file, from its header and length (nothing is decrypted).

    A player asks for byte ranges of a recording and needs its length to ask for them.
    """
    _check_key(key)
    path = Path(path)
    with open(path, "rb") as sealed:
        return _open_sealed(path, sealed, key).size


def iter_decrypted(path: str | Path, key: bytes, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Yield the plaintext bytes ``start:end`` of an encrypted file one authenticated chunk at a time.

    Chunks have a fixed size, so a byte range is read by seeking to its first chunk: a player
    jumping into an hour-long recording decrypts a megabyte, not the hour. A chunk is yielded
    only after its tag verifies; if a later chunk fails, the iterator raises ``InvalidInput``,
    so callers that write out chunks must discard what they wrote (write them through
    :func:`reverie.store.files.atomic_write`).
    """
    from cryptography.exceptions import InvalidTag

    _check_key(key)
    path = Path(path)
    with open(path, "rb") as handle:
        sealed = _open_sealed(path, handle, key)
        end = sealed.size if end is None else min(end, sealed.size)
        if start < 0 or (start >= end and sealed.size):
            return
        sealed_bytes = sealed.chunk_bytes + _TAG_BYTES
        first = start // sealed.chunk_bytes
        last = max(first, (end - 1) // sealed.chunk_bytes)
        handle.seek(_HEADER.size + first * sealed_bytes)
        for counter in range(first, last + 1):
            try:
                plain = sealed.aead.decrypt(_nonce(counter, counter == sealed.chunks - 1),
                                            handle.read(sealed_bytes), sealed.header)
            except InvalidTag:
                raise InvalidInput(f"{path} is damaged or truncated (chunk {counter} fails authentication)") from None
            offset = counter * sealed.chunk_bytes
            yield plain[max(start - offset, 0):end - offset]


def _open_sealed(path: Path, handle: IO[bytes], key: bytes) -> _Sealed:
    header = handle.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise InvalidInput(f"{path} is not an encrypted Reverie file (too short)")
    magic, version, chunk_bytes, salt, check = _HEADER.unpack(header)
    if magic != _MAGIC:
        raise InvalidInput(f"{path} is not an encrypted Reverie file")
    if version != _MEDIA_VERSION:
        raise InvalidInput(f"{path} uses encryption format version {version}; this Reverie reads {_MEDIA_VERSION}")
    if not 1 <= chunk_bytes <= _MAX_CHUNK_BYTES:
        raise InvalidInput(f"{path} has a damaged header (chunk size {chunk_bytes})")
    file_key, expected_check = _file_keys(key, salt)
    if not hmac.compare_digest(check, expected_check):
        raise InvalidInput(f"{path} was encrypted with a different key (wrong passphrase?)")
    # Every chunk but the last is full; the last holds 0 to chunk_bytes bytes, and always a tag.
    body = os.fstat(handle.fileno()).st_size - _HEADER.size
    sealed_bytes = chunk_bytes + _TAG_BYTES
    chunks = max(1, -(-body // sealed_bytes))
    if body - (chunks - 1) * sealed_bytes < _TAG_BYTES:
        raise InvalidInput(f"{path} is damaged or truncated (its last chunk is cut short)")
    return _Sealed(header, chunk_bytes, chunks, body - chunks * _TAG_BYTES, _aesgcm(file_key))


def sqlcipher_dbapi() -> Any:
    """Return the SQLCipher DB-API module, to pass as ``create_engine(..., module=…)``.

    Why: with a ``creator`` on a plain ``sqlite://`` URL SQLAlchemy assumes the stdlib ``sqlite3``
    module and will not recognise SQLCipher's exceptions, so an ``IntegrityError`` would escape
    unwrapped. Passing this module makes SQLAlchemy wrap them as usual.
    """
    from sqlcipher3 import dbapi2

    return dbapi2


def sqlcipher_creator(path: str | Path, key: bytes) -> Callable[[], Any]:
    """Return a connection factory for an SQLCipher database at ``path`` keyed with ``key``.

    Use it with an explicit pool (SQLAlchemy's default for SQLite is a per-thread singleton pool,
    which breaks when the web server and job threads share the engine)::

        engine = create_engine("sqlite://", creator=sqlcipher_creator(path, key),
                               module=sqlcipher_dbapi(), poolclass=QueuePool)

    Each new connection is checked by reading the schema, so a wrong key fails at connect with
    ``InvalidInput`` instead of on the first query.
    """
    _check_key(key)
    path = Path(path)
    # A raw key (x'…') skips SQLCipher's PBKDF2; the key is already Argon2id output via subkey().
    pragma = f"PRAGMA key = \"x'{key.hex()}'\""

    def connect() -> Any:
        dbapi = sqlcipher_dbapi()
        connection = dbapi.connect(str(path), check_same_thread=False)
        try:
            connection.execute(pragma)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except dbapi.DatabaseError:
            connection.close()
            raise InvalidInput(
                f"cannot open {path}: wrong key, or not an encrypted Reverie database"
            ) from None
        return connection

    return connect


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise InvalidInput(f"an encryption key must be {KEY_BYTES} bytes")


def _hkdf(key: bytes, *, salt: bytes | None, info: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(bytes(key))


def _key_check(key: bytes) -> bytes:
    return _hkdf(key, salt=None, info=b"reverie/key-check", length=_CHECK_BYTES)


def _file_keys(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """Per-file AES key and key-check value, both from the file's random salt."""
    material = _hkdf(key, salt=salt, info=b"reverie/media-file/v1", length=KEY_BYTES + _CHECK_BYTES)
    return material[:KEY_BYTES], material[KEY_BYTES:]


def _aesgcm(file_key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(file_key)


def _nonce(counter: int, last: bool) -> bytes:
    """96-bit nonce: 88-bit chunk counter, then 1 byte flagging the final chunk (STREAM)."""
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _read_sidecar(sidecar: Path) -> tuple[bytes, KdfParams, bytes, bytes | None]:
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{sidecar} is missing: the study key header is needed to unlock the study") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{sidecar} is not a readable study key header ({exc})") from None
    try:
        if record["format"] != _SIDECAR_FORMAT or record["kdf"] != "argon2id":
            raise InvalidInput(f"{sidecar} is not a Reverie study key header")
        if record["version"] not in _SIDECAR_VERSIONS:
            raise InvalidInput(f"{sidecar} has version {record['version']}; this Reverie reads versions "
                               f"{', '.join(map(str, _SIDECAR_VERSIONS))}")
        params = KdfParams(int(record["time_cost"]), int(record["memory_kib"]), int(record["parallelism"]))
        salt, check = _unb64(record["salt"]), _unb64(record["check"])
        wrapped = _unb64(record["wrapped_key"]) if record["version"] == 2 else None
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{sidecar} is a damaged study key header ({exc!r})") from None
    params.check(str(sidecar))
    if len(salt) < _SALT_BYTES or len(check) != _CHECK_BYTES:
        raise InvalidInput(f"{sidecar} is a damaged study key header (salt or check value)")
    if wrapped is not None and len(wrapped) != _NONCE_BYTES + KEY_BYTES + _TAG_BYTES:
        raise InvalidInput(f"{sidecar} is a damaged study key header (wrapped key)")
    return salt, params, check, wrapped


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
