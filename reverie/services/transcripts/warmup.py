"""Start loading the speech model before a transcription needs it, without importing the storage.

Why a module of its own: ``reverie transcribe`` spends its first second or two importing the
study's storage (SQLAlchemy, the models, the audit trail), and loading Whisper's weights takes
about as long, mostly outside the GIL. A front calls :func:`load_model_ahead` first, then
imports :mod:`.transcription`, so the two overlap; this module imports only the speech adapter.
"""

from __future__ import annotations

from pathlib import Path


def load_model_ahead(model: str | Path | None = None, *, device: str = "cpu"):
    """Begin loading the model a transcription with these options will use; returns the thread, or None.

    Options that would be refused are left for the transcription to refuse with its message.
    """
    from reverie.core.errors import InvalidInput
    from reverie.speech.recognise import RecognitionOptions, preload

    try:
        options = RecognitionOptions(device=device)
    except InvalidInput:
        return None
    return preload(model, options)
