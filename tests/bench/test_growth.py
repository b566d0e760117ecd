"""The growth table is read from the runs' results.json, not typed in."""

from __future__ import annotations

from app.settings import ROOT
from bench.scale import growth

RESULTS = ROOT / "bench" / "results"


def test_growth_table_has_a_row_per_operation_and_system_with_each_sizes_figures() -> None:
    small = growth.load(RESULTS / "scale-10000-20261202T0816")
    large = growth.load(RESULTS / "scale-100000-20261206T1428")

    lines = growth.growth_table([large, small])

    assert lines[0].startswith("| operation | system | 10,000 | 100,000 | p50, 100,000 ÷ 10,000")
    upline = {m["system"]: m for m in large["measured"] if m["op"] == "upline(3)"}["neo4j"]
    small_upline = {m["system"]: m for m in small["measured"] if m["op"] == "upline(3)"}["neo4j"]
    row = next(line for line in lines if line.startswith("| upline(3) | neo4j |"))
    ratio = upline["p50"] / small_upline["p50"]
    assert f"{upline['p50']:,.1f} / {upline['p99']:,.1f}" in row
    assert row.endswith(f"| {ratio:.2f} |")
    assert len(lines) == 2 + len({(m["op"], m["system"]) for m in large["measured"]})


def test_an_operation_missing_from_a_run_shows_a_dash() -> None:
    run = growth.load(RESULTS / "scale-100000-20261206T1428")
    trimmed = {**run, "facts": {**run["facts"], "size": 10}, "measured": run["measured"][:1]}

    lines = growth.growth_table([run, trimmed])

    assert lines[-1].split(" | ")[2] == "—"
