# ruff: noqa: RUF001  (Chinese punctuation is the point)
"""The Chinese messages of access's errors, added to `domain.errors_zh.CATALOGUE`
(imported by the GraphQL edge, `app/language.py`)."""

from __future__ import annotations

from access.errors import NotSignedIn, OutsideTeam, RateLimited, RoleNotAllowed
from domain.errors import Forbidden, Unauthenticated
from domain.errors_zh import register

register(
    {
        Unauthenticated: "未通过身份验证：{message}",
        Forbidden: "无权访问：{message}",
        NotSignedIn: (
            "请先登录：发送 `Authorization: Bearer <token>` 请求头（`referral token` 可签发令牌）。"
        ),
        RoleNotAllowed: "角色 {role} 无权使用 {operation}。",
        OutsideTeam: (
            "{what}不在你的范围内：分销商只能看到自己、自己的推荐人，以及团队深度内的下线。"
        ),
        RateLimited: "使用此令牌的变更操作过于频繁；请在 {seconds} 秒后重试。",
    }
)
