"""Retrieval: every passage coded with a code, in context, filtered and exported."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["codebook"])
