"""The documented codegen config (docs/clients.md) works: `@graphql-codegen/cli` with
typescript + typescript-operations and `strictScalars` against the repository's
schema.graphql, then `tsc --strict --noEmit` on clients/typescript, a small typed client
that registers, records an order and pages a Relay connection. The npm packages are the
pinned ones of clients/typescript/package-lock.json (`make install` runs `npm ci`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.settings import ROOT

CLIENT = ROOT / "clients" / "typescript"
NPM_TIMEOUT = 300


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=CLIENT, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False
    )


@pytest.fixture(scope="module")
def generated() -> str:
    """Codegen's output for the client's operations (installing the packages if needed)."""
    if shutil.which("npm") is None:
        pytest.fail("npm is needed (Node 20+): make install installs clients/typescript")
    if not (CLIENT / "node_modules" / ".bin" / "graphql-codegen").exists():
        installed = run("npm", "ci", "--no-audit", "--no-fund")
        assert installed.returncode == 0, installed.stderr[-3000:]
    done = run("npm", "run", "--silent", "codegen")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return (CLIENT / "src" / "generated" / "schema.ts").read_text()


def test_codegen_maps_every_scalar_strictly(generated: str) -> None:
    """strictScalars: a scalar without a mapping would fail the run; each maps to a
    string, none to `any`."""
    scalars = generated.split("export type Scalars = {", 1)[1].split("};", 1)[0]
    for name in ("DateTime", "Money", "Decimal"):
        assert re.search(rf"\b{name}: {{ input: string; output: string; }}", scalars), name
    assert "any" not in scalars


def test_enum_like_and_money_like_fields_are_typed(generated: str) -> None:
    """Issue 13: LeaderboardEntry.value, Commission.rate, the ledger's kind and account,
    AuditEvent.role are no longer plain strings."""
    expected = {
        "LeaderboardEntry": "value: Scalars['Decimal']['output']",
        "Commission": "rate: Scalars['Decimal']['output']",
        "LedgerEntry": "kind: LedgerKind",
        "AuditEvent": "role: AuditRole",
    }
    for type_name, field in expected.items():
        body = generated.split(f"export type {type_name} = {{", 1)[1].split("};", 1)[0]
        assert field in body, (type_name, body)
    ledger = generated.split("export type LedgerEntry = {", 1)[1].split("};", 1)[0]
    assert "account: LedgerAccount" in ledger


def test_typed_client_compiles_under_tsc_strict(generated: str) -> None:
    checked = run("npx", "--no-install", "tsc", "--strict", "--noEmit", "-p", ".")
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
