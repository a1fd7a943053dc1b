"""Interviews: rounds, dates, places and the schedule version used."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["study"])
