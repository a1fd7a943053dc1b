"""Run every benchmark module's ``run(quick)`` and print one table; never hide a missed goal."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import platform
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from bench.timing import is_goal, missed

MODULES = [
    ("bench.startup_bench", "start-up of everyday commands"),
    ("bench.store_bench", "import and search"),
    ("bench.pg_search_bench", "search on PostgreSQL"),
    ("bench.analytics_bench", "co-occurrence and crosstab"),
    ("bench.refi_bench", "REFI-QDA export"),
    ("bench.archive_bench", "refusing hostile archives"),
    ("bench.report_bench", "report"),
    ("bench.export_bench", "transcript export"),
    ("bench.speech_bench", "transcription"),
    ("bench.deid_bench", "de-identification"),
    ("bench.page_bench", "transcript page in Chromium"),
]


def _fmt(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g}{unit}"


def _met(result: dict) -> str:
    """yes / NO for a goal; a dash for a row that is only reported."""
    if not is_goal(result):
        return "-"
    return "yes" if result["met"] else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small corpus that finishes in a few minutes")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args()
    rows = []
    for module_name, what in MODULES:
        log = io.StringIO()
        try:
            with redirect_stdout(log), redirect_stderr(log):
                module = importlib.import_module(module_name)
                rows.extend(module.run(args.quick))
        except ModuleNotFoundError as exc:
            rows.append(missed(what, "measured", f"not measurable here: {exc}"))
        except Exception as exc:  # a broken benchmark is a missed goal, shown, never hidden
            rows.append(missed(what, "measured", f"failed: {exc.__class__.__name__}: {exc}"))
            traceback.print_exc(file=log)
        if log.getvalue().strip():
            Path("bench/out").mkdir(parents=True, exist_ok=True)
            Path(f"bench/out/{module_name.split('.')[-1]}.log").write_text(log.getvalue())
    machine = f"{platform.machine()}, {platform.processor() or platform.system()}"
    print(f"machine: {machine}, python {platform.python_version()}{' (quick)' if args.quick else ''}")
    print("| benchmark | ours | baseline | ratio | goal | met | note |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") is not None else "-"
        print(f"| {r['name']} | {_fmt(r.get('value'), r.get('unit', ''))} "
              f"| {_fmt(r.get('baseline'), r.get('unit', ''))} "
              f"| {ratio} | {r['goal']} | {_met(r)} | {r.get('note', '')} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    goals = [r for r in rows if is_goal(r)]
    met = sum(1 for r in goals if r["met"])
    sys.stdout.flush()
    print(f"goals met: {met}, missed: {len(goals) - met}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
