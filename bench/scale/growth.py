"""How cost grows: one Markdown table from the results of runs at several sizes.

    python -m bench.scale.growth bench/results/scale-10000-… bench/results/scale-100000-… \
        bench/results/scale-1000000-…

Each argument is a run's folder (or its `results.json`). The table has a row per operation
and system, p50 / p99 ms per size (smallest first), and the p50 ratio of each size to the
one before it: the figures of docs/benchmarks.md's growth tables, read from the files they
cite rather than copied by hand.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.scale.report import markdown_table

Run = dict[str, Any]


def load(path: Path) -> Run:
    file = path / "results.json" if path.is_dir() else path
    run: Run = json.loads(file.read_text())
    return run


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    return f"{entry['p50']:,.1f} / {entry['p99']:,.1f}"


def _ratio(bigger: dict[str, Any] | None, smaller: dict[str, Any] | None) -> str:
    if bigger is None or smaller is None or not smaller["p50"]:
        return "—"
    return f"{bigger['p50'] / smaller['p50']:.2f}"


def growth_table(runs: Sequence[Run]) -> list[str]:
    runs = sorted(runs, key=lambda r: int(r["facts"]["size"]))
    sizes = [f"{int(r['facts']['size']):,}" for r in runs]
    by_run = [{(m["op"], m["system"]): m for m in r["measured"]} for r in runs]
    keys: list[tuple[str, str]] = []
    for table in by_run:
        keys.extend(k for k in table if k not in keys)
    header = ["operation", "system", *sizes]
    header += [f"p50, {sizes[i]} ÷ {sizes[i - 1]}" for i in range(1, len(sizes))]
    rows = []
    for op, system in keys:
        entries = [table.get((op, system)) for table in by_run]
        ratios = [_ratio(entries[i], entries[i - 1]) for i in range(1, len(entries))]
        rows.append([op, system, *map(_cell, entries), *ratios])
    return markdown_table(header, rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="a run's folder or results.json")
    args = parser.parse_args(argv)
    runs = [load(p) for p in args.runs]
    for run in sorted(runs, key=lambda r: int(r["facts"]["size"])):
        facts = run["facts"]
        print(f"- {int(facts['size']):,}: {facts['date']}, largest team {facts['largest team']}")
    print()
    print("\n".join(growth_table(runs)))


if __name__ == "__main__":
    main()
