"""Benchmarks: print one figure per line, ``name=VALUE budget=LIMIT ok|MISSED``.

Run with ``python -m tracker.bench``. Exit status is 0 whether budgets are met
or not; a script reads the lines.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from loaders.build import build


def _line(name: str, value: float, budget: float | None = None, unit: str = "s") -> str:
    figure = f"{name}={value:.3f}{unit}"
    if budget is None:
        return figure
    return f"{figure} budget={budget:g}{unit} {'ok' if value <= budget else 'MISSED'}"


def bench_load(repeats: int = 3) -> list[str]:
    """Extract and load every shipped source into a fresh database file."""
    times, demo_times = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            report = build(Path(tmp) / "bench.duckdb", demo=False)
            times.append(time.perf_counter() - start)
            assert report.ok, report.errors
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build(Path(tmp) / "bench.duckdb", demo=True)
            demo_times.append(time.perf_counter() - start)
    return [
        _line("extract_and_load_all_sources", statistics.median(times), budget=1.0),
        _line("build_with_demo_progress", statistics.median(demo_times)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.bench")
    parser.add_argument("--quick", action="store_true", help="one repeat of each measurement")
    args = parser.parse_args(argv)
    for line in bench_load(repeats=1 if args.quick else 3):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
