"""numpy's BLAS kept on one thread while speech work runs, however many threads run it.

Why: two things in a transcription use numpy's BLAS at once. The GE2E encoder
(:mod:`reverie.speech.ge2e`) runs hundreds of small matrix products, for which OpenBLAS's
threads spin-wait between calls (one thread measured 2.5-5x faster on two busy cores); and
faster-whisper computes its mel features with a matrix product whose rounding depends on the
thread count, which moves word times by a frame (20 ms). The thread count is one setting for the
whole process, so when diarisation runs beside recognition, a limit set and restored by each
caller on its own would leave Whisper's features to the timing of the other thread. Counting
the callers keeps BLAS on one thread from the first one's entry to the last one's exit, so a
recording gives the same words and times however the work overlapped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_users = 0
_limits = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block (when threadpoolctl is installed), shared across threads."""
    global _users, _limits
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with _lock:
        if _users == 0:
            _limits = threadpool_limits(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _limits is not None:
                _limits.restore_original_limits()
                _limits = None
