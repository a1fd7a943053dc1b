"""Speaker embeddings from the GE2E encoder (Resemblyzer's weights) computed with numpy alone.

Why a numpy port: Resemblyzer's package needs torch (about 900 MB) for a 3-layer LSTM of 1.4 M
parameters. The weights were converted once to ``data/ge2e.npz`` (see ``data/PROVENANCE.md`` and
``scripts/convert_ge2e.py``); the features follow Resemblyzer: 40-band power mel spectrogram
(not log), 25 ms Hann window, 10 ms hop, volume raised to -30 dBFS, 1.6 s partial windows.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
WINDOW_FRAMES = 160  # 1.6 s, the length the encoder was trained on
TARGET_DBFS = -30.0
HIDDEN = 256
BLOCK_FRAMES = 6000  # one minute of frames per FFT block keeps the spectrum small in memory
BATCH = 256


def _hz_to_mel(hz):
    """Slaney's mel scale, as librosa uses by default (linear below 1 kHz, log above)."""
    import numpy as np

    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def _mel_to_hz(mel):
    import numpy as np

    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """The (40, 201) Slaney-normalised triangular filterbank of ``librosa.filters.mel``."""
    import numpy as np

    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    spacing = np.diff(mel_edges)
    ramps = mel_edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / spacing[:-1, None]
    upper = ramps[2:] / spacing[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_edges[2:] - mel_edges[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Power mel frames (n_frames, 40), frame ``t`` centred on sample ``t * 160``.

    The volume gain Resemblyzer applies to the waveform is applied to the power here instead,
    which is the same thing and avoids a second copy of a long recording.
    """
    import numpy as np

    padded = np.pad(samples.astype(np.float32, copy=False), N_FFT // 2)
    n_frames = 1 + len(samples) // HOP
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as scipy/librosa
    filters = mel_filterbank()
    frames_view = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    out = np.empty((n_frames, N_MELS), dtype=np.float32)
    for first in range(0, n_frames, BLOCK_FRAMES):
        block = frames_view[first:first + BLOCK_FRAMES] * window
        power = np.abs(np.fft.rfft(block, axis=1)) ** 2
        out[first:first + len(block)] = power.astype(np.float32) @ filters.T
    mean_power = float(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else 0.0
    if mean_power > 0:
        change_db = TARGET_DBFS - 10 * np.log10(mean_power)
        if change_db > 0:  # Resemblyzer only ever raises the volume
            out *= np.float32(10 ** (change_db / 10))
    return out


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    """Load the LSTM in the gate order (i, f, o, g) with sigmoid rows pre-halved.

    Why: sigmoid(x) = (1 + tanh(x / 2)) / 2, so one ``tanh`` over all four gates per step
    replaces three sigmoids and a tanh, which is most of the per-step cost in numpy.
    """
    import numpy as np

    with resources.files("reverie.speech").joinpath("data/ge2e.npz").open("rb") as handle:
        raw = dict(np.load(handle))
    order = np.r_[0:HIDDEN, HIDDEN:2 * HIDDEN, 3 * HIDDEN:4 * HIDDEN, 2 * HIDDEN:3 * HIDDEN]
    scale = np.ones(4 * HIDDEN, dtype=np.float32)
    scale[:3 * HIDDEN] = 0.5
    weights: dict[str, np.ndarray] = {}
    for layer in range(3):
        w_ih = raw[f"lstm_weight_ih_l{layer}"][order] * scale[:, None]
        w_hh = raw[f"lstm_weight_hh_l{layer}"][order] * scale[:, None]
        bias = (raw[f"lstm_bias_ih_l{layer}"] + raw[f"lstm_bias_hh_l{layer}"])[order] * scale
        weights[f"ih{layer}"] = np.ascontiguousarray(w_ih.T, dtype=np.float32)
        weights[f"hh{layer}"] = np.ascontiguousarray(w_hh.T, dtype=np.float32)
        weights[f"b{layer}"] = bias.astype(np.float32)
    weights["linear_w"] = np.ascontiguousarray(raw["linear_weight"].T, dtype=np.float32)
    weights["linear_b"] = raw["linear_bias"].astype(np.float32)
    return weights


def _encode(batch: np.ndarray) -> np.ndarray:
    """Embed a batch of (B, 160, 40) mel windows: LSTM, last hidden state, linear, ReLU, L2 norm."""
    import numpy as np

    weights = _weights()
    n, steps, _ = batch.shape
    sequence = batch
    # Sums and products go into arrays made once (``out=``, ``+=``): the same numbers as fresh
    # arrays, without the kernel zeroing new memory for each of the 480 steps and the (B, 160,
    # 1024) projections.
    gates = np.empty((n, 4 * HIDDEN), dtype=np.float32)
    scratch = np.empty((n, HIDDEN), dtype=np.float32)
    for layer in range(3):
        projected = sequence @ weights[f"ih{layer}"]
        projected += weights[f"b{layer}"]
        w_hh = weights[f"hh{layer}"]
        h = np.zeros((n, HIDDEN), dtype=np.float32)
        c = np.zeros((n, HIDDEN), dtype=np.float32)
        outputs = np.empty((n, steps, HIDDEN), dtype=np.float32) if layer < 2 else None
        for t in range(steps):
            np.matmul(h, w_hh, out=gates)
            gates += projected[:, t]
            np.tanh(gates, out=gates)
            sig = gates[:, :3 * HIDDEN]
            sig *= 0.5
            sig += 0.5
            c *= sig[:, HIDDEN:2 * HIDDEN]
            np.multiply(sig[:, :HIDDEN], gates[:, 3 * HIDDEN:], out=scratch)
            c += scratch
            np.tanh(c, out=scratch)
            np.multiply(sig[:, 2 * HIDDEN:3 * HIDDEN], scratch, out=h)
            if outputs is not None:
                outputs[:, t] = h
        sequence = outputs
        del projected
    embedding = np.maximum(h @ weights["linear_w"] + weights["linear_b"], 0)
    norms = np.linalg.norm(embedding, axis=1, keepdims=True)
    return embedding / np.maximum(norms, 1e-10)


def _one_blas_thread():
    """Run BLAS on one thread while the LSTM steps (see :mod:`reverie.speech.blas`).

    Why: each of the 480 steps is a small matrix product, and OpenBLAS's threads spin-wait
    between them; on two busy cores one thread measured 2.5-5x faster (25x -> 72-100x real time).
    """
    from reverie.speech.blas import one_blas_thread

    return one_blas_thread()


def window_frames(mel: np.ndarray, centres_s: np.ndarray) -> np.ndarray:
    """The mel frame each window centred at these times (seconds) is centred on: what an embedding depends on."""
    import numpy as np

    return np.clip(np.round(np.asarray(centres_s) * SAMPLE_RATE / HOP).astype(int), 0, len(mel))


def embed_windows(mel: np.ndarray, centres_s: np.ndarray) -> np.ndarray:
    """One L2-normed 256-d embedding per 1.6 s window centred at each time (seconds)."""
    return embed_frames(mel, window_frames(mel, centres_s))


def embed_frames(mel: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """One embedding per window centred on each mel frame of ``starts`` (see :func:`window_frames`)."""
    import numpy as np

    half = WINDOW_FRAMES // 2
    padded = np.pad(mel, ((half, half), (0, 0)))
    out = np.empty((len(starts), HIDDEN), dtype=np.float32)
    with _one_blas_thread():
        for first in range(0, len(starts), BATCH):
            chosen = starts[first:first + BATCH]
            batch = np.stack([padded[s:s + WINDOW_FRAMES] for s in chosen])
            out[first:first + len(chosen)] = _encode(batch)
    return out


def embed_clip(samples: np.ndarray) -> np.ndarray:
    """One embedding for a whole clip (an enrolment sample): the normed mean of its windows."""
    import numpy as np

    duration = len(samples) / SAMPLE_RATE
    centres = np.arange(0.8, max(duration - 0.8, 0.8) + 1e-9, 0.5)
    windows = embed_windows(mel_frames(samples), centres)
    mean = windows.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-10)
