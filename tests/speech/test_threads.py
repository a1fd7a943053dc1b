"""The speech stack's idle OpenMP threads sleep (a second transcription in one process was 4-5× slower)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import require

PROBE = "import os, reverie.speech.recognise; print(os.environ.get('OMP_WAIT_POLICY'))"


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_unless_the_user_chose(given, expected):
    require("numpy")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected
