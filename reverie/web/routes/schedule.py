"""The interview schedule and its question check."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["study"])
