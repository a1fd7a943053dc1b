"""The codebook: codes, their kinds, colours, nesting, merges and deletions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["codebook"])
