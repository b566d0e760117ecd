"""The benchmark's report: Markdown tables (for docs/benchmarks.md) and a JSON record.

Latency per operation and system (p50 / p95 / p99, throughput at the run's concurrency),
the SPEC §7 target where there is one, the ratios to the platform, the API's overhead
over a bare driver call, the loads, and the cross-checks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.scale.neo4j_side import Loads
from bench.scale.workload import Check, Measured

# SPEC §7, per operation: (percentile, ms). Upline's is through HTTP GraphQL.
TARGETS = {
    "upline(3)": "HTTP p50 ≤ 3, p99 ≤ 10",
    "downline page of 50": "p99 ≤ 50",
    "team metrics, largest team, 30 days": "p99 ≤ 50",
    "one order's commission split": "p99 ≤ 10",
    "ring scan (full)": "≤ 60 s",
}
NEO = "neo4j"


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [_row(header), "|---|" + "---:|" * (len(header) - 1), *(_row(r) for r in rows)]


def latency_table(measured: Sequence[Measured]) -> list[str]:
    rows = []
    for m in measured:
        rows.append(
            (
                m.op,
                m.system,
                m.concurrency,
                f"{len(m.samples):,}",
                f"{m.pct(0.5):.1f}",
                f"{m.pct(0.95):.1f}",
                f"{m.pct(0.99):.1f}",
                f"{m.throughput:,.1f}",
                f"{m.queries:.1f}" if m.queries else "",
                TARGETS.get(m.op, "") if m.system.startswith(NEO) else "",
            )
        )
    header = [
        "operation",
        "system",
        "conc.",
        "calls",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "ops/s",
        "Neo4j queries/call",
        "SPEC §7",
    ]
    return markdown_table(header, rows)


def ratio_table(measured: Sequence[Measured]) -> list[str]:
    """Each system's p50 and p99 over the platform's (`neo4j`), per operation."""
    base = {m.op: m for m in measured if m.system == NEO}
    rows = []
    for m in measured:
        b = base.get(m.op)
        if b is None or m.system == NEO or not b.samples or not m.samples:
            continue
        rows.append(
            (
                m.op,
                m.system,
                f"{m.pct(0.5) / b.pct(0.5):.2f}",
                f"{m.pct(0.99) / b.pct(0.99):.2f}",
                f"{m.throughput / b.throughput:.2f}",
            )
        )
    return markdown_table(
        ["operation", "system", "p50 / neo4j p50", "p99 / neo4j p99", "throughput / neo4j"], rows
    )


def overhead_table(measured: Sequence[Measured]) -> list[str]:
    """The product call's and the HTTP API's p50 over the bare driver call of the same Cypher."""
    rows = []
    for op in ("upline(3)", "downline page of 50"):
        by = {m.system: m for m in measured if m.op == op}
        bare = by.get("neo4j bare driver")
        if bare is None or not bare.samples:
            continue
        for system in (NEO, "neo4j HTTP GraphQL"):
            if system in by:
                m = by[system]
                rows.append(
                    (
                        op,
                        system,
                        f"{m.pct(0.5):.1f}",
                        f"{bare.pct(0.5):.1f}",
                        f"{m.pct(0.5) / bare.pct(0.5):.2f}",
                        f"{m.pct(0.99) / bare.pct(0.99):.2f}",
                    )
                )
    return markdown_table(
        ["operation", "path", "p50 ms", "bare p50 ms", "p50 ratio", "p99 ratio"], rows
    )


def loads_table(title: str, loads: Loads) -> list[str]:
    rows = [
        (name, f"{n:,}" if n else "", f"{s:.1f}", f"{n / s:,.0f}" if n and s else "")
        for name, n, s in loads.phases
    ]
    return [f"**{title}**", "", *markdown_table(["phase", "rows", "seconds", "rows/s"], rows)]


def checks_table(checks: Sequence[Check]) -> list[str]:
    rows = [
        (c.op, ", ".join(c.systems), f"{c.compared:,}", "yes" if c.equal else f"**NO** {c.detail}")
        for c in checks
    ]
    return markdown_table(["operation", "systems", "calls compared", "equal"], rows)


def write(
    folder: Path,
    *,
    facts: dict[str, Any],
    loads: dict[str, Loads],
    sweep: Sequence[tuple[int, float]],
    measured: Sequence[Measured],
    checks: Sequence[Check],
) -> Path:
    """report.md and results.json under `folder`; the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# Scale benchmark, {facts['size']:,} distributors", ""]
    lines += [f"- **{k}:** {v}" for k, v in facts.items()]
    lines += ["", "## Latency (warm)", "", *latency_table(measured)]
    lines += ["", "## Ratios to the platform", "", *ratio_table(measured)]
    lines += ["", "## API overhead over a bare driver call", "", *overhead_table(measured)]
    lines += ["", "## Cross-checks", "", *checks_table(checks), "", "## Loads", ""]
    for name, phases in loads.items():
        lines += [*loads_table(name, phases), ""]
    if sweep:
        lines += ["**Neo4j bulk-load batch sizes** (side network, nodes then edges)", ""]
        lines += markdown_table(
            ["batch", "distributors/s"], [(f"{b:,}", f"{r:,.0f}") for b, r in sweep]
        )
    report = folder / "report.md"
    report.write_text("\n".join(lines) + "\n")
    record = {
        "facts": facts,
        "loads": {k: v.phases for k, v in loads.items()},
        "sweep": list(sweep),
        "measured": [
            {
                **{k: v for k, v in asdict(m).items() if k != "samples"},
                "p50": m.pct(0.5),
                "p95": m.pct(0.95),
                "p99": m.pct(0.99),
                "throughput": m.throughput,
            }
            for m in measured
        ],
        "checks": [asdict(c) for c in checks],
    }
    (folder / "results.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    return report
