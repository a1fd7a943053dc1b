"""Encrypted studies: SQLCipher for ``study.db``, AES-GCM for ``media/``, one passphrase.

The passphrase is stretched with Argon2id (a memory-hard KDF) into a study key whose salt and
key-check value live in ``study.key.json`` beside the database; a wrong passphrase is refused
when the study is opened, before anything is read or written. A new passphrase must be strong
(:func:`reverie.privacy.crypto.passphrase_problem`); a passphrase is normalised (NFC) before use,
and a study made before that was done is re-keyed the first time its passphrase opens it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reverie.core.errors import InvalidInput
from reverie.services.study.context import DB_NAME, Manifest, OpenStudy
from reverie.store.files import private_folder, write_file

KEY_FILE = "study.key.json"
MEDIA_KEY_FILE = "media.key"
KEY_DIR_VARIABLE = "REVERIE_KEY_DIR"


class MediaEncryption:
    """The media store's cipher for an encrypted study."""

    def __init__(self, key: bytes):
        self._key = key

    def encrypt(self, plain: IO[bytes], sealed: IO[bytes]) -> None:
        from reverie.privacy.crypto import encrypt_stream

        encrypt_stream(plain, sealed, self._key)

    def decrypt(self, sealed: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        from reverie.privacy.crypto import iter_decrypted

        return iter_decrypted(sealed, self._key, start=start, end=end)

    def plain_size(self, sealed: Path) -> int:
        from reverie.privacy.crypto import plain_size

        return plain_size(sealed, self._key)


@dataclass(frozen=True)
class Unlocked:
    creator: Any
    module: Any
    cipher: MediaEncryption


def _unlocked(root: Path, key: bytes) -> Unlocked:
    from reverie.privacy.crypto import sqlcipher_creator, sqlcipher_dbapi, subkey

    return Unlocked(sqlcipher_creator(root / DB_NAME, subkey(key, "database")), sqlcipher_dbapi(),
                    MediaEncryption(subkey(key, "media")))


def unlock(root: Path, passphrase: str | None, *, rekey: bool = False) -> Unlocked:
    """Check the passphrase against the study's key file and give what opens the study.

    With ``rekey`` (an open that may write), a study whose key came from an unnormalised
    passphrase gets a new key header for the normalised one; a read-only open leaves it as it is.
    """
    from reverie.privacy.crypto import open_study_key

    if not passphrase:
        raise InvalidInput(f"{root}: the study is encrypted; give its passphrase (REVERIE_PASSPHRASE for scripts)")
    key, rekeyed = open_study_key(root / KEY_FILE, passphrase, study=str(root))
    if rekeyed is not None and rekey:
        # The study key is unchanged, so the database and media stay as they are; only the header
        # changes, whole or not at all, and from now on only the normalised passphrase opens it.
        write_file(root / KEY_FILE, rekeyed)
    return _unlocked(root, key)


def init_encrypted_study(root: Path | str, passphrase: str, *, title: str = "", identity=None) -> OpenStudy:
    """Make a study whose database and media are unreadable without the passphrase.

    A weak passphrase is refused with the reason, before anything is written.
    """
    from reverie.privacy.crypto import passphrase_problem
    from reverie.services.study.studies import init_study

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise InvalidInput(f"{root}: the folder is not empty; choose a new folder for the study")
    problem = passphrase_problem(passphrase)
    if problem:
        raise InvalidInput(f"{root}: the passphrase is too weak to protect the study: {problem}")
    root.mkdir(parents=True, exist_ok=True)
    key = create_study_key(root / KEY_FILE, passphrase)
    unlocked = _unlocked(root, key)
    return init_study(root, title=title, identity=identity, creator=unlocked.creator, dbapi_module=unlocked.module,
                      manifest=Manifest(encrypted=True), cipher=unlocked.cipher, allow_files={KEY_FILE})


def create_study_key(path: Path, passphrase: str) -> bytes:
    """A new study key from ``passphrase``, its header written to ``path`` (0600).

    Refuses to overwrite an existing header: that would make every file encrypted under the old
    key unreadable.
    """
    from reverie.privacy.crypto import new_study_key

    if path.exists():
        raise InvalidInput(f"{path} already exists; a study key is created only once")
    key, header = new_study_key(passphrase)
    write_file(path, header)
    return key


def media_key_path(root: Path, manifest: Manifest) -> Path:
    """Where a team study's media key is: as ``study.toml`` names it, or ``media.key`` in the study
    folder for studies made before keys moved out of it."""
    return Path(manifest.media_key) if manifest.media_key else root / MEDIA_KEY_FILE


def new_media_key_path(root: Path) -> Path:
    """A place for a new study's media key outside the study folder: whoever copies the folder (or
    reaches the shared storage that holds it) gets only encrypted recordings.

    The folder is ``$REVERIE_KEY_DIR``, else ``$XDG_CONFIG_HOME/reverie/keys`` (``~/.config/...``), 0700.
    """
    import os
    import secrets

    folder = os.environ.get(KEY_DIR_VARIABLE) or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config",
                                                      "reverie", "keys")
    return private_folder(Path(folder)) / f"{root.name}-{secrets.token_hex(6)}.media.key"


def study_media_cipher(root: Path, manifest: Manifest, url: str) -> MediaEncryption | None:
    """The cipher of a study's media when they are encrypted with a media key (team studies, and
    SQLite studies restored from one); None when they are plain or the passphrase covers them."""
    key = media_key_path(root, manifest)
    if manifest.encrypted or (url.startswith("sqlite") and not key.exists()):
        return None
    return media_encryption(key)


def create_media_key(path: Path) -> None:
    """A random media key for a team study, readable by its owner only (0600)."""
    import secrets

    if path.exists():
        raise InvalidInput(f"{path}: a media key already exists; it is never replaced")
    write_file(path, (secrets.token_hex(32) + "\n").encode("ascii"))


def media_encryption(path: Path) -> MediaEncryption:
    """The cipher for a team study's media, from its key file (refused when others can read it)."""
    import stat

    if not path.is_file():
        raise InvalidInput(f"{path}: the study's media key is missing; copy it from the server "
                           "(or name it with media_key_file in team.toml, or media_key in study.toml)")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(f"{path}: others can read the media key; run `chmod 600 {path}`")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        key = b""
    if len(key) != 32:
        raise InvalidInput(f"{path}: not a media key (64 hexadecimal characters)")
    return MediaEncryption(key)
