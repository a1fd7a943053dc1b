"""Helpers every benchmark shares: medians of alternating runs and a uniform result row."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(ours: Callable[[], object], baseline: Callable[[], object], runs: int = 5) -> tuple[float, float]:
    """Median seconds of ``ours`` and ``baseline``, run alternately so drift hits both alike."""
    mine, theirs = [], []
    for _ in range(runs):
        start = time.perf_counter()
        baseline()
        theirs.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours()
        mine.append(time.perf_counter() - start)
    return statistics.median(mine), statistics.median(theirs)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# Goals that are not goals: a row shown for information, never counted as met or missed.
NOT_GOALS = ("info", "report")


def is_goal(result: dict) -> bool:
    """Whether a row counts towards "goals met: N, missed: M" (a row marked info or report does not)."""
    return result["goal"] not in NOT_GOALS


def row(name: str, value: float, baseline: float | None, goal: str, met: bool, note: str = "", unit: str = "s",
        ratio: float | None = None) -> dict:
    """A goal's figures; ``ratio`` is value/baseline unless given (as :func:`paired_ratio`)."""
    if ratio is None:
        ratio = value / baseline if baseline else None
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal,
            "met": met if goal not in NOT_GOALS else None, "note": note, "unit": unit}


def report(name: str, value: float, baseline: float | None = None, note: str = "", unit: str = "s") -> dict:
    """A figure shown beside the goals for what it tells, not counted as one."""
    return row(name, value, baseline, "report", False, note, unit)


def missed(name: str, goal: str, reason: str) -> dict:
    return {"name": name, "value": None, "baseline": None, "ratio": None, "goal": goal, "met": False,
            "note": reason, "unit": ""}


# Most studies are small (5-50 interviews): there a search's fixed cost (citations, the study's
# style, one round trip) outweighs the index lookup, and a few milliseconds are not noticed.
SMALL_STUDY_FLOOR_S = 0.020


def search_goal(quick: bool) -> tuple[str, Callable[[float, float], bool]]:
    """The search p95 goal: ≤ 2× raw; on the small quick corpus, ≤ 2× raw or ≤ 20 ms, whichever is larger."""
    if quick:
        return "≤ 2× raw or ≤ 20 ms", lambda ours, raw: ours <= max(2 * raw, SMALL_STUDY_FLOOR_S)
    return "≤ 2× raw", lambda ours, raw: ours <= 2 * raw


def paired_ratio(ours: list[float], baseline: list[float]) -> float:
    """The median of each alternating pair's ours/baseline.

    Why pairs: on a shared machine the speed drifts over seconds, and a run of ours and the
    baseline run next to it see the same drift, while the medians of the two lists can come
    from different moments.
    """
    return statistics.median(o / b for o, b in zip(ours, baseline, strict=True))
