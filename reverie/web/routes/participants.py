"""Participants: their attributes, consent and withdrawal."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["study"])
