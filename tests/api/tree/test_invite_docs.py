"""The GraphQL examples of docs/api.md's invite-code section are valid against the schema
(the operations themselves run in tests/api/tree/test_invites_api.py)."""

from __future__ import annotations

import re

from graphql import parse, validate

from app.settings import ROOT
from schema.schema import build_schema


def _section(title: str, following: str) -> str:
    text = (ROOT / "docs" / "api.md").read_text()
    return text[text.index(title) : text.index(following)]


def test_invite_code_examples_validate_against_the_schema() -> None:
    section = _section("## Invite codes", "## Team views")
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 5
    schema = build_schema()._schema
    for block in blocks:
        operations = [line for line in block.splitlines() if not line.startswith("#")]
        for text in re.split(r"\n(?=(?:query|mutation)\b)", "\n".join(operations)):
            assert [] == validate(schema, parse(text)), text


def test_refund_rate_example_validates_against_the_schema() -> None:
    section = _section("`Distributor.refundRate90d`", "`registerDistributor` takes")
    (block,) = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    assert [] == validate(build_schema()._schema, parse(block))
