"""Bringing transcripts and recordings in: uploads, caption voices, transcription jobs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["imports"])
