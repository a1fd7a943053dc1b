"""Convert Resemblyzer's GE2E speaker encoder (pretrained.pt) to reverie/speech/data/ge2e.npz.

Why this exists: Reverie diarises without torch, so the weights ship as plain arrays. The
checkpoint is torch's legacy (pre-1.6) serialisation: a run of pickles followed by raw storage
bytes. It is read here with ``pickle`` and a custom unpickler that maps torch storages to numpy,
so torch is never installed.

Usage (reproduces the shipped file; the printed sha256 values go to data/PROVENANCE.md)::

    pip download --no-deps resemblyzer==0.1.4 -d /tmp/resemblyzer
    python scripts/convert_ge2e.py /tmp/resemblyzer/Resemblyzer-0.1.4-py3-none-any.whl
"""

from __future__ import annotations

import collections
import hashlib
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}
OUT = Path(__file__).resolve().parents[1] / "reverie" / "speech" / "data" / "ge2e.npz"


class _Storage:
    """A torch storage's identity until its bytes are read after the pickles."""

    def __init__(self, dtype: type, numel: int) -> None:
        self.dtype = dtype
        self.numel = numel
        self.array: np.ndarray | None = None


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def to_numpy(self) -> np.ndarray:
        base = self.storage.array
        item = base.itemsize
        view = np.lib.stride_tricks.as_strided(
            base[self.offset:], shape=self.size, strides=[s * item for s in self.stride]
        )
        return np.ascontiguousarray(view)


def _rebuild_tensor_v2(storage, offset, size, stride, *_ignored):
    return _Tensor(storage, offset, tuple(size), tuple(stride))


class _TorchFreeUnpickler(pickle.Unpickler):
    def __init__(self, stream: io.BufferedIOBase, storages: dict[str, _Storage]) -> None:
        super().__init__(stream)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the checkpoint")

    def persistent_load(self, pid):
        kind, dtype, key, _location, numel, view = pid
        if kind != "storage" or view is not None:
            raise pickle.UnpicklingError(f"unsupported storage record {pid!r}")
        return self.storages.setdefault(key, _Storage(dtype, numel))


def load_legacy_checkpoint(raw: bytes) -> dict:
    """Read a legacy torch checkpoint into nested dicts of numpy arrays."""
    stream = io.BytesIO(raw)
    if pickle.load(stream) != LEGACY_MAGIC:
        raise ValueError("not a legacy torch checkpoint")
    pickle.load(stream)  # protocol version
    sys_info = pickle.load(stream)
    if not sys_info.get("little_endian", True):
        raise ValueError("big-endian checkpoints are not supported")
    storages: dict[str, _Storage] = {}
    obj = _TorchFreeUnpickler(stream, storages).load()
    for key in pickle.load(stream):
        storage = storages[key]
        numel = int.from_bytes(stream.read(8), "little")
        itemsize = np.dtype(storage.dtype).itemsize
        storage.array = np.frombuffer(stream.read(numel * itemsize), dtype=storage.dtype)

    def convert(value):
        if isinstance(value, _Tensor):
            return value.to_numpy()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return convert(obj)


def main(wheel: str) -> None:
    wheel_bytes = Path(wheel).read_bytes()
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as archive:
        raw = archive.read("resemblyzer/pretrained.pt")
    state = load_legacy_checkpoint(raw)["model_state"]
    arrays = {name.replace(".", "_"): np.asarray(value, dtype=np.float32)
              for name, value in state.items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    for name, value in arrays.items():
        print(f"{name:28s} {value.shape}")
    print("wheel sha256        ", hashlib.sha256(wheel_bytes).hexdigest())
    print("pretrained.pt sha256", hashlib.sha256(raw).hexdigest())
    print("ge2e.npz sha256     ", hashlib.sha256(OUT.read_bytes()).hexdigest(), OUT.stat().st_size, "B")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
