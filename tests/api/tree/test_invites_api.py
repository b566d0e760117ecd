"""Invite codes over HTTP (SPEC §10): share links, `inviter`, registration and binding by
code with a channel, rotation, `byChannel`, the QR posters, scoping and the audit trail."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import segno

from app.settings import Settings
from domain.tree.invites import is_code
from graph.db import Database
from tests.api.tree.qr_images import decode, modules, png_pixels, svg_pixels
from tests.conftest import bearer, error_codes, gql

REGISTER = """
mutation($input: RegisterDistributorInput!) {
  registerDistributor(input: $input) { id inviteCode shareLink sponsor { id } }
}
"""
INVITER = "query($code: String!) { inviter(code: $code) { id name rank inviteCode } }"
BIND = """
mutation($id: ID!, $code: String!, $channel: String) {
  bindByInviteCode(distributorId: $id, inviteCode: $code, channel: $channel) {
    id sponsor { id }
  }
}
"""
ROTATE = "mutation($id: ID!) { rotateInviteCode(distributorId: $id) { id inviteCode shareLink } }"
CODES = "query($id: ID!) { distributor(id: $id) { id inviteCode shareLink } }"
BY_CHANNEL = """
query($id: ID!) { distributor(id: $id) { teamMetrics { byChannel { channel count } } } }
"""
AUDIT = """
query($actor: String) {
  auditEvents(actor: $actor, first: 50) { edges { node { operation arguments outcome } } }
}
"""
BASE = Settings(env="test").share_base_url


async def audit_of(client: httpx.AsyncClient, actor: str) -> list[dict[str, Any]]:
    body = await gql(client, AUDIT, {"actor": actor})
    return [edge["node"] for edge in body["data"]["auditEvents"]["edges"]]


async def register(client: httpx.AsyncClient, **given: Any) -> dict[str, Any]:
    given.setdefault("name", f"张{given['id'][-3:]}")
    body = await gql(client, REGISTER, {"input": given}, headers=bearer("shop", "SERVICE"))
    assert "errors" not in body, body
    registered: dict[str, Any] = body["data"]["registerDistributor"]
    return registered


async def test_registration_issues_a_code_and_its_share_link(
    client: httpx.AsyncClient, uid: str
) -> None:
    owner = await register(client, id=f"{uid}-s")
    assert is_code(owner["inviteCode"])
    assert f"{BASE}?invite={owner['inviteCode']}" == owner["shareLink"]


async def test_register_by_invite_code_with_a_channel(client: httpx.AsyncClient, uid: str) -> None:
    owner = await register(client, id=f"{uid}-s")
    typed = owner["inviteCode"].lower()  # people type codes as they like
    recruit = await register(client, id=f"{uid}-r", inviteCode=typed, channel="qr_code")
    assert {"id": owner["id"]} == recruit["sponsor"]
    body = await gql(client, BY_CHANNEL, {"id": owner["id"]})
    assert [{"channel": "qr_code", "count": 1}] == body["data"]["distributor"]["teamMetrics"][
        "byChannel"
    ]


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"inviteCode": "ZZZZ0000"}, "NOT_FOUND"),
        ({"inviteCode": "NOT-A-CODE!"}, "BAD_USER_INPUT"),
        ({"channel": "x" * 33}, "BAD_USER_INPUT"),
        ({"channel": "line\nbreak"}, "BAD_USER_INPUT"),
        ({"channel": ""}, "BAD_USER_INPUT"),
    ],
)
async def test_registration_refuses_unknown_codes_and_bad_channels(
    client: httpx.AsyncClient, uid: str, given: dict[str, str], code: str
) -> None:
    owner = await register(client, id=f"{uid}-s")
    given = {"inviteCode": owner["inviteCode"], **given}
    body = await gql(client, REGISTER, {"input": {"id": f"{uid}-r", "name": "n", **given}})
    assert [code] == error_codes(body), body
    assert None is (await gql(client, CODES, {"id": f"{uid}-r"}))["data"]["distributor"]


async def test_sponsor_id_and_invite_code_that_disagree_are_bad_user_input(
    client: httpx.AsyncClient, uid: str
) -> None:
    owner = await register(client, id=f"{uid}-s")
    other = await register(client, id=f"{uid}-o")
    given = {
        "id": f"{uid}-r",
        "name": "n",
        "inviteCode": owner["inviteCode"],
        "sponsorId": other["id"],
    }
    body = await gql(client, REGISTER, {"input": given})
    assert ["BAD_USER_INPUT"] == error_codes(body)
    assert "different sponsors" in body["errors"][0]["message"]
    agreeing = await register(
        client, id=f"{uid}-r2", inviteCode=owner["inviteCode"], sponsorId=owner["id"]
    )
    assert {"id": owner["id"]} == agreeing["sponsor"]


async def test_bind_by_invite_code_later(client: httpx.AsyncClient, uid: str) -> None:
    owner = await register(client, id=f"{uid}-s")
    loner = await register(client, id=f"{uid}-r")
    body = await gql(
        client, BIND, {"id": loner["id"], "code": owner["inviteCode"], "channel": "live"}
    )
    assert {"id": loner["id"], "sponsor": {"id": owner["id"]}} == body["data"]["bindByInviteCode"]
    other = await register(client, id=f"{uid}-o")
    again = await gql(client, BIND, {"id": loner["id"], "code": other["inviteCode"]})
    assert ["ALREADY_BOUND"] == error_codes(again)
    own = await gql(client, BIND, {"id": other["id"], "code": other["inviteCode"]})
    assert ["SELF_REFERRAL"] == error_codes(own)
    cycle = await gql(client, BIND, {"id": owner["id"], "code": loner["inviteCode"]})
    assert ["REFERRAL_CYCLE"] == error_codes(cycle)


async def test_bind_sponsor_takes_a_channel_too(client: httpx.AsyncClient, uid: str) -> None:
    owner = await register(client, id=f"{uid}-s")
    for k, channel in enumerate(["poster", "poster", None]):
        loner = await register(client, id=f"{uid}-r{k}")
        body = await gql(
            client,
            "mutation($id: ID!, $s: ID!, $c: String) {"
            " bindSponsor(distributorId: $id, sponsorId: $s, channel: $c) { id } }",
            {"id": loner["id"], "s": owner["id"], "c": channel},
        )
        assert "errors" not in body, body
    body = await gql(client, BY_CHANNEL, {"id": owner["id"]})
    assert [{"channel": "poster", "count": 2}, {"channel": None, "count": 1}] == body["data"][
        "distributor"
    ]["teamMetrics"]["byChannel"]


async def test_inviter_for_staff_and_a_distributor_in_scope(
    client: httpx.AsyncClient, uid: str
) -> None:
    owner = await register(client, id=f"{uid}-s", name="张三丰")
    recruit = await register(client, id=f"{uid}-r", inviteCode=owner["inviteCode"])
    stranger = await register(client, id=f"{uid}-x")
    for role in ("ADMIN", "SERVICE", "ANALYST"):
        body = await gql(client, INVITER, {"code": owner["inviteCode"]}, headers=bearer("s", role))
        assert {"id": owner["id"], "name": "张三丰", "rank": "DISTRIBUTOR",
                "inviteCode": owner["inviteCode"]} == body["data"]["inviter"]  # fmt: skip
    as_recruit = bearer(recruit["id"], "DISTRIBUTOR")
    body = await gql(client, INVITER, {"code": owner["inviteCode"]}, headers=as_recruit)
    assert {"id": owner["id"], "name": "张**", "rank": "DISTRIBUTOR", "inviteCode": None} == body[
        "data"
    ]["inviter"], "its own sponsor, masked, without the sponsor's code"
    body = await gql(
        client,
        INVITER,
        {"code": owner["inviteCode"]},
        headers=bearer(stranger["id"], "DISTRIBUTOR"),
    )
    assert ["FORBIDDEN"] == error_codes(body)
    nobodys = await gql(client, INVITER, {"code": "ZZZZ0000"}, headers=as_recruit)
    assert error_codes(body) == error_codes(nobodys), "a stranger's code answers as nobody's"
    assert body["errors"][0]["message"] == nobodys["errors"][0]["message"]
    assert None is (await gql(client, INVITER, {"code": "ZZZZ0000"}))["data"]["inviter"]
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, INVITER, {"code": "bad"}))


async def test_a_distributor_sees_its_own_code_only(client: httpx.AsyncClient, uid: str) -> None:
    top = await register(client, id=f"{uid}-top")
    me = await register(client, id=f"{uid}-me", inviteCode=top["inviteCode"])
    low = await register(client, id=f"{uid}-low", inviteCode=me["inviteCode"])
    as_me = bearer(me["id"], "DISTRIBUTOR")
    mine = await gql(client, CODES, {"id": me["id"]}, headers=as_me)
    assert {"id": me["id"], "inviteCode": me["inviteCode"], "shareLink": me["shareLink"]} == mine[
        "data"
    ]["distributor"]
    for other in (top, low):
        body = await gql(client, CODES, {"id": other["id"]}, headers=as_me)
        assert {"id": other["id"], "inviteCode": None, "shareLink": None} == body["data"][
            "distributor"
        ]


async def test_rotation_by_the_owner_or_an_admin_only(client: httpx.AsyncClient, uid: str) -> None:
    owner = await register(client, id=f"{uid}-s")
    other = await register(client, id=f"{uid}-o")
    body = await gql(
        client, ROTATE, {"id": owner["id"]}, headers=bearer(owner["id"], "DISTRIBUTOR")
    )
    rotated = body["data"]["rotateInviteCode"]
    assert is_code(rotated["inviteCode"]) and rotated["inviteCode"] != owner["inviteCode"]
    assert f"{BASE}?invite={rotated['inviteCode']}" == rotated["shareLink"]
    refused = await gql(
        client, ROTATE, {"id": owner["id"]}, headers=bearer(other["id"], "DISTRIBUTOR")
    )
    assert ["FORBIDDEN"] == error_codes(refused)
    assert ["FORBIDDEN"] == error_codes(
        await gql(client, ROTATE, {"id": owner["id"]}, headers=bearer("shop", "SERVICE"))
    )
    by_admin = await gql(client, ROTATE, {"id": owner["id"]})
    assert by_admin["data"]["rotateInviteCode"]["inviteCode"] not in (None, rotated["inviteCode"])
    assert ["NOT_FOUND"] == error_codes(await gql(client, ROTATE, {"id": f"{uid}-ghost"}))


async def test_the_old_code_stops_working_at_once(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, uid: str
) -> None:
    owner = await register(client, id=f"{uid}-s")
    old = owner["inviteCode"]
    assert 200 == (await anonymous.get(f"/invite/{old}.png")).status_code
    await gql(client, ROTATE, {"id": owner["id"]})
    assert None is (await gql(client, INVITER, {"code": old}))["data"]["inviter"]
    body = await gql(
        client, REGISTER, {"input": {"id": f"{uid}-r", "name": "n", "inviteCode": old}}
    )
    assert ["NOT_FOUND"] == error_codes(body)
    loner = await register(client, id=f"{uid}-l")
    assert ["NOT_FOUND"] == error_codes(await gql(client, BIND, {"id": loner["id"], "code": old}))
    gone = await anonymous.get(f"/invite/{old}.svg")
    assert 404 == gone.status_code
    assert "NOT_FOUND" == gone.json()["errors"][0]["extensions"]["code"]


async def test_rotation_and_bindings_are_audited(client: httpx.AsyncClient, uid: str) -> None:
    owner = await register(client, id=f"{uid}-s")
    loner = await register(client, id=f"{uid}-r")
    actor = f"{uid}-svc"
    await gql(client, BIND, {"id": loner["id"], "code": owner["inviteCode"], "channel": "live"},
              headers=bearer(actor, "SERVICE"))  # fmt: skip
    rotated = await gql(
        client, ROTATE, {"id": owner["id"]}, headers=bearer(owner["id"], "DISTRIBUTOR")
    )
    new = rotated["data"]["rotateInviteCode"]["inviteCode"]
    events = await audit_of(client, actor)
    by_operation = {e["operation"]: json.loads(e["arguments"]) for e in events}
    assert {"distributorId": loner["id"], "inviteCode": owner["inviteCode"], "channel": "live"} == {
        k: by_operation["bindByInviteCode"][k] for k in ("distributorId", "inviteCode", "channel")
    }
    assert "OK" == next(e["outcome"] for e in events if e["operation"] == "bindByInviteCode")
    events = await audit_of(client, owner["id"])
    operations = {e["operation"]: json.loads(e["arguments"]) for e in events}
    assert {"distributorId": owner["id"]} == operations["rotateInviteCode"]
    assert {"distributorId": owner["id"], "fromCode": owner["inviteCode"], "toCode": new} == (
        operations["inviteCodeRotated"]
    )


async def test_a_code_missing_from_older_data_is_issued_on_first_read(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = [f"{uid}-{k}" for k in range(3)]
    for distributor_id in ids:
        await register(client, id=distributor_id)
    await db.driver.execute_query(
        "MATCH (d:Distributor) WHERE d.id IN $ids REMOVE d.inviteCode", ids=ids, database_=db.name
    )
    query = (
        "{ "
        + " ".join(f'd{k}: distributor(id: "{i}") {{ inviteCode }}' for k, i in enumerate(ids))
        + " }"
    )
    first = (await gql(client, query))["data"]
    assert all(is_code(first[f"d{k}"]["inviteCode"]) for k in range(3))
    assert first == (await gql(client, query))["data"], "issued once, stable after"


@pytest.mark.parametrize("kind", ["png", "svg"])
async def test_qr_poster_decodes_to_the_share_link(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, uid: str, kind: str
) -> None:
    """No token needed; an independent reader (zxing-cpp) finds the share link, and the
    modules are those segno computes for that text."""
    owner = await register(client, id=f"{uid}-s")
    response = await anonymous.get(f"/invite/{owner['inviteCode'].lower()}.{kind}")
    assert 200 == response.status_code
    assert {"png": "image/png", "svg": "image/svg+xml"}[kind] == response.headers["content-type"]
    pixels = png_pixels(response.content) if kind == "png" else svg_pixels(response.content)
    assert owner["shareLink"] == decode(pixels)
    expected = segno.make(owner["shareLink"], error="m")
    size = expected.symbol_size(scale=1, border=4)[0]
    assert [[bool(v) for v in row] for row in expected.matrix_iter(scale=1, border=4)] == modules(
        pixels, size=size
    )


async def test_qr_poster_of_another_code_is_another_image(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, uid: str
) -> None:
    a = await register(client, id=f"{uid}-a")
    b = await register(client, id=f"{uid}-b")
    images = [(await anonymous.get(f"/invite/{d['inviteCode']}.png")).content for d in (a, b)]
    assert [a["shareLink"], b["shareLink"]] == [decode(png_pixels(i)) for i in images]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/invite/ZZZZ0000.png", 404, "NOT_FOUND"),
        ("/invite/ZZZZ0000.svg", 404, "NOT_FOUND"),
        ("/invite/not-a-code.png", 404, "NOT_FOUND"),  # read the Crockford way: N0TAC0DE
        ("/invite/bad*code!.png", 400, "BAD_USER_INPUT"),
        ("/invite/ZZZZ0000.jpg", 404, None),
    ],
)
async def test_qr_poster_of_an_unknown_code_is_a_coded_json_refusal(
    anonymous: httpx.AsyncClient, path: str, status: int, code: str | None
) -> None:
    response = await anonymous.get(path)
    assert status == response.status_code
    assert "application/json" == response.headers["content-type"]
    if code is not None:
        assert code == response.json()["errors"][0]["extensions"]["code"]
