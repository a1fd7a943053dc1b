"""The speech stack's own network features, switched off before its libraries are loaded.

Reverie promises that nothing leaves the machine, and two libraries under faster-whisper would
reach out by themselves:

- **onnxruntime**, which runs the Silero VAD. Its official Linux builds (1.29 and later) send
  telemetry to Microsoft (``mobile.events.data.microsoft.com``) by default: ``import onnxruntime``
  writes a device id and an event store under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime``,
  and an uploader sends the events about ten seconds later, or from the next process that lives
  that long. The only complete opt-out is an environment variable read once, when the library
  initialises; with it nothing is created, written or sent. ``disable_telemetry_events()``
  called after the import is too late for the first event, so it is only the second lock.
  (1.32 reads ``ORT_DISABLE_TELEMETRY``; later sources read ``ORT_TELEMETRY_DISABLED``.)
- **huggingface_hub**, which faster-whisper calls to download a model when it is given a name
  rather than a folder, and to fetch ``openai/whisper-*``'s tokenizer when a model folder has no
  ``tokenizer.json``. Reverie passes only folders (see :mod:`reverie.speech.models`), but a
  user's folder may lack the tokenizer; offline mode turns that into an error instead of a
  download. The hub reads these variables when it is imported.

Every module that imports faster_whisper or onnxruntime calls :func:`keep_offline` at its top,
before any such import can run, and runs ONNX models only through :func:`load_onnxruntime`.
``tests/security/test_network.py`` checks both and watches the real processes' sockets.
"""

from __future__ import annotations

import os
from types import ModuleType

OFFLINE_ENVIRONMENT = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ORT_TELEMETRY_DISABLED": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def keep_offline() -> None:
    """Set the variables that keep onnxruntime and the Hugging Face hub off the network.

    They are set in this process, so worker processes it starts inherit them, and they override
    a user's own values: Reverie's promise does not depend on how a shell was set up.
    """
    os.environ.update(OFFLINE_ENVIRONMENT)


def let_idle_threads_sleep() -> None:
    """Make OpenMP's idle threads sleep instead of spinning, unless the user chose otherwise.

    CTranslate2 (under faster-whisper) waits for work in busy loops by default. A transcription
    also runs onnxruntime (voice activity), numpy (diarisation) and Praat (prosody) in the same
    process, and every job runs in a new worker thread, each with its own OpenMP team: the old
    teams kept spinning, so on two cores the second transcription in one process took four to
    five times as long as the first, and even the first was three times slower than with
    sleeping threads. OpenMP reads the variable once, when it starts, so this runs before
    faster_whisper is imported.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def load_onnxruntime() -> ModuleType:
    """onnxruntime with its telemetry off: the variables before the import, then its own switch."""
    keep_offline()
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    return onnxruntime
