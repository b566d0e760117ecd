"""Team scope, masks, PII sealing with key rotation, and redaction."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

import pytest

from access.pii import SealError, is_sealed, mask_name, mask_phone, parse_keyring
from access.redaction import REDACTED, redact
from access.roles import View, display_name, team_view_allowed, upline_allowed, view_of
from domain.models import Distributor, Rank, Status
from domain.tree.paths import child_path

T0 = datetime(2026, 1, 1, tzinfo=UTC)
K1 = "k1:" + base64.b64encode(b"1" * 32).decode()
K2 = "k2:" + base64.b64encode(b"2" * 32).decode()


def _chain(*ids: str) -> list[Distributor]:
    """ids[0] -> ids[1] -> …, as records."""
    found: list[Distributor] = []
    path: str | None = None
    for depth, distributor_id in enumerate(ids):
        path = child_path(sponsor_path=path, distributor_id=distributor_id)
        sponsor = found[-1].id if found else None
        found.append(Distributor(distributor_id, "n", None, Rank.DISTRIBUTOR, Status.ACTIVE, T0,
                                 sponsor, path, depth, (0, 0, 0)))  # fmt: skip
    return found


def test_a_distributor_sees_itself_its_sponsor_and_its_downline_within_team_depth() -> None:
    top, sponsor, me, d1, d2, d3, d4 = _chain("top", "sp", "me", "d1", "d2", "d3", "d4")
    sibling = _chain("top", "sp", "sib")[-1]
    seen = {t.id: view_of(caller=me, target=t, team_depth=3) for t in
            (top, sponsor, me, d1, d2, d3, d4, sibling)}  # fmt: skip
    assert {"top": None, "sp": View.SPONSOR, "me": View.SELF, "d1": View.DOWNLINE,
            "d2": View.DOWNLINE, "d3": View.DOWNLINE, "d4": None, "sib": None} == seen  # fmt: skip
    assert view_of(caller=me, target=d2, team_depth=1) is None
    assert view_of(caller=None, target=me, team_depth=3) is None


def test_team_views_stay_within_the_callers_team_depth() -> None:
    _, _, me, d1, d2 = _chain("top", "sp", "me", "d1", "d2")

    def allowed(view: View, target: Distributor, depth: int) -> bool:
        return team_view_allowed(caller=me, view=view, target=target, depth=depth, team_depth=3)

    assert allowed(View.SELF, me, 3) and allowed(View.FULL, d2, 3)
    assert allowed(View.DOWNLINE, d1, 2) and not allowed(View.DOWNLINE, d1, 3)
    assert allowed(View.DOWNLINE, d2, 1) and not allowed(View.DOWNLINE, d2, 2)
    assert not allowed(View.SPONSOR, me, 1)


def test_upline_views_stop_at_the_callers_sponsor_whoever_sits_above() -> None:
    """Decided on the caller, the target and the depth only: never on who is up there."""
    _, _, me, d1, d2 = _chain("top", "sp", "me", "d1", "d2")
    lone = _chain("lone")[0]

    def allowed(view: View, target: Distributor, depth: int) -> bool:
        return upline_allowed(caller=me, view=view, target=target, depth=depth)

    assert allowed(View.SELF, me, 1) and not allowed(View.SELF, me, 2)
    assert allowed(View.DOWNLINE, d1, 2) and not allowed(View.DOWNLINE, d1, 3)
    assert allowed(View.DOWNLINE, d2, 3)
    assert not allowed(View.SPONSOR, me, 1) and allowed(View.FULL, d2, 3)
    # A root has no one above it, and is still refused what another would be.
    assert not upline_allowed(caller=lone, view=View.SELF, target=lone, depth=2)


def test_names_are_masked_but_for_staff_and_the_person_itself() -> None:
    assert "张三" == display_name("张三", View.SELF) == display_name("张三", View.FULL)
    assert "张*" == display_name("张三", View.DOWNLINE) == display_name("张三", View.SPONSOR)
    assert "张*" == display_name("张三", None)  # outside the scope: a leaderboard entry


def test_masks() -> None:
    assert "138****1234" == mask_phone("13812341234")
    assert "张*" == mask_name("张三")
    assert "欧**" == mask_name("欧阳修")
    assert "*" == mask_name("张")
    assert "***34" == mask_phone("12334")


def test_sealed_pii_opens_only_for_its_owner_and_field() -> None:
    ring = parse_keyring(K1)
    sealed = ring.seal("13812341234", owner="d-1/phone")
    assert is_sealed(sealed) and "13812341234" not in sealed and sealed.startswith("pii1:k1:")
    assert "13812341234" == ring.open(sealed, owner="d-1/phone")
    assert sealed != ring.seal("13812341234", owner="d-1/phone")  # a fresh nonce each time
    with pytest.raises(SealError):
        ring.open(sealed, owner="d-2/phone")  # copied onto another distributor
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SealError):
        ring.open(tampered, owner="d-1/phone")


def test_rotation_seals_with_the_new_key_and_opens_with_the_old() -> None:
    old = parse_keyring(K1).seal("张三", owner="x/realName")
    rotated = parse_keyring(f"{K2},{K1}")
    assert rotated.seal("张三", owner="x/realName").startswith("pii1:k2:")
    assert "张三" == rotated.open(old, owner="x/realName")
    with pytest.raises(SealError, match="k1"):
        parse_keyring(K2).open(old, owner="x/realName")


def test_values_stored_before_sealing_read_as_they_are() -> None:
    assert "13800000000" == parse_keyring(K1).open("13800000000", owner="x/phone")


@dataclasses.dataclass
class _Input:
    id: str
    name: str
    phone: str | None
    payment_account: str | None
    sponsor_id: str | None


def test_redaction_drops_pii_and_keeps_the_rest() -> None:
    given = {"input": _Input("d-1", "张三", "13812341234", None, "s-1"), "reason": "r"}
    assert {
        "input": {"id": "d-1", "name": REDACTED, "phone": REDACTED, "paymentAccount": None,
                  "sponsorId": "s-1"},
        "reason": "r",
    } == redact(given)  # fmt: skip
