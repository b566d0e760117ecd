"""Identifier normalisation and keyed hashing, and the pure fraud rules (SPEC §3.8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import BadUserInput
from domain.fraud.identifiers import IdentifierKind, identify
from domain.fraud.rings import (
    connected_groups,
    hollow,
    recruit_burst,
    refunds_after_settlement,
    ring_score,
)

SECRET = b"test-secret-0123456789"
A = IdentifierKind.ADDRESS
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def key(kind: IdentifierKind, value: str, secret: bytes = SECRET) -> str:
    return identify(kind, value, secret=secret).key


def test_trivially_different_addresses_share_a_key() -> None:
    spellings = [
        "北京市朝阳区建国路88号",
        "北京市 朝阳区，建国路 88 号",
        "北京市朝阳区建国路８８号",  # full-width digits
        "北京市朝阳区建国路88号。",
    ]
    assert 1 == len({key(A, s) for s in spellings})
    assert key(A, "Room 5, 1 Main St.") == key(A, "room5 1 main st")
    assert key(A, "北京市朝阳区建国路89号") != key(A, spellings[0])


def test_phones_payment_accounts_and_devices_normalise() -> None:
    phone = IdentifierKind.PHONE
    assert key(phone, "+86 138-1234-5678") == key(phone, "13812345678")
    pay = IdentifierKind.PAYMENT
    assert key(pay, "6222 0200 1234 5678") == key(pay, "6222-0200-1234-5678")
    dev = IdentifierKind.DEVICE
    assert key(dev, " ABC-123 ") == key(dev, "abc-123")
    assert key(dev, "abc-123") != key(IdentifierKind.IP, "abc-123")  # the kind is keyed too


def test_keys_depend_on_the_secret_and_hide_the_value() -> None:
    k = key(IdentifierKind.PHONE, "13812345678")
    assert k != key(IdentifierKind.PHONE, "13812345678", secret=b"another-secret-987654")
    assert "13812345678" not in k and k.startswith("PHONE:")


@pytest.mark.parametrize("value", ["", "   ", "，。", "a" * 501])
def test_empty_or_huge_identifiers_are_refused(value: str) -> None:
    with pytest.raises(BadUserInput):
        identify(A, value, secret=SECRET)


def test_connected_groups_find_stars_chains_and_mixed_kinds() -> None:
    shared = [
        ("DEVICE:1", "DEVICE", ["hub", "s1", "s2", "s3"]),  # a star on one device
        ("PAYMENT:1", "PAYMENT", ["c1", "c2"]),  # a chain over payment accounts
        ("PAYMENT:2", "PAYMENT", ["c2", "c3"]),
        ("PHONE:1", "PHONE", ["m1", "m2"]),  # two kinds
        ("ADDRESS:1", "ADDRESS", ["m2", "m3"]),
        ("DEVICE:2", "DEVICE", ["p1", "p2"]),  # only a pair: no ring
    ]
    groups = {tuple(g.members): g for g in connected_groups(shared)}
    assert {("hub", "s1", "s2", "s3"), ("c1", "c2", "c3"), ("m1", "m2", "m3")} == set(groups)
    assert {"PHONE:1": "PHONE", "ADDRESS:1": "ADDRESS"} == groups[("m1", "m2", "m3")].identifiers
    assert groups[("c1", "c2", "c3")].id == connected_groups(shared[1:3])[0].id  # stable ids


def test_ring_score_stays_within_0_and_100_and_grows_with_evidence() -> None:
    weak, _ = ring_score(size=3, kinds=["ADDRESS"], referral_edges=0, commissions_fen=0)
    strong, reasons = ring_score(
        size=30,
        kinds=["PAYMENT", "DEVICE", "PHONE", "ADDRESS"],
        referral_edges=9,
        commissions_fen=1,
    )
    assert 0 < weak < strong == 100
    assert any("referral edges" in r for r in reasons)


def test_recruit_burst_counts_within_the_window() -> None:
    window = timedelta(hours=1)
    burst = [NOW + timedelta(minutes=2 * i) for i in range(20)]  # 20 in 38 minutes
    assert (20, NOW) == recruit_burst(burst, threshold=20, window=window)
    assert recruit_burst(burst[:19], threshold=20, window=window) is None
    spread = [NOW + timedelta(minutes=4 * i) for i in range(20)]  # 15 per hour at most
    assert recruit_burst(spread, threshold=20, window=window) is None


def test_hollow_and_refund_thresholds() -> None:
    assert hollow(old_recruits=10, buyers=0)
    assert not hollow(old_recruits=10, buyers=1)
    assert not hollow(old_recruits=9, buyers=0)
    assert refunds_after_settlement(settled=10, clawed_back=3)
    assert not refunds_after_settlement(settled=20, clawed_back=3)
    assert not refunds_after_settlement(settled=2, clawed_back=2)
