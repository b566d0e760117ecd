# ruff: noqa: RUF001  (Chinese punctuation is the point)
"""Chinese messages for every coded error (SPEC §11: `Accept-Language: zh-CN`).

`CATALOGUE` has one entry per error class, keyed by the class: a template formatted with
the error's `params` (the values its English message was built from) and `message` (the
English text). Classes whose message is written at many call sites (BAD_USER_INPUT,
CONFLICT, …) have a Chinese lead followed by the specifics; `PATTERNS` translates the
common ones of those whole. `tests/domain/test_errors_zh.py` fails when a class of
`domain.errors` or `access.errors` has no entry here.

Pure: no I/O; the GraphQL edge (`app/graphql.py`) chooses the language.
"""

from __future__ import annotations

import re

from domain.errors import (
    AlreadyBound,
    BadCursor,
    BadUserInput,
    Conflict,
    DepthLimitExceeded,
    Frozen,
    InsufficientBalance,
    NotFound,
    PersistedQueryNotFound,
    QueryTooCostly,
    ReferralCycle,
    ReferralError,
    RequestTimeout,
    SelfReferral,
    SponsorInactive,
    Timeout,
    Unavailable,
    WriteRefused,
)

KINDS = {
    "Distributor": "分销商",
    "Sponsor": "推荐人",
    "Buyer": "买家",
    "Order": "订单",
    "Withdrawal": "提现",
    "Rule set": "佣金规则集",
    "Fraud alert": "欺诈警报",
    "Fraud ring": "欺诈团伙",
    "The money of distributor": "分销商的资金",
    "The team of distributor": "分销商的团队",
    "The network around distributor": "分销商周边的关系网",
}

STATUSES = {"ACTIVE": "正常", "FROZEN": "已冻结", "PENDING": "待审核"}

# Keyed by class; `access/errors_zh.py` adds access's entries (see `register`).
CATALOGUE: dict[type[ReferralError], str] = {
    ReferralError: "请求无效：{message}",
    BadUserInput: "输入无效：{message}",
    NotFound: "{kind}“{key}”不存在。",
    AlreadyBound: "已绑定推荐人，绑定关系不可更改：{message}",
    SelfReferral: "分销商“{distributor_id}”不能成为自己的推荐人。",
    ReferralCycle: (
        "将“{distributor_id}”绑定到“{sponsor_id}”之下会形成循环："
        "“{sponsor_id}”在“{distributor_id}”自己的下线中。"
    ),
    SponsorInactive: "推荐人“{sponsor_id}”状态为{status}，不能再接收新成员。",
    DepthLimitExceeded: "超出层级限制：{message}",
    Conflict: "与已有数据冲突：{message}",
    InsufficientBalance: "余额不足：{message}",
    Frozen: "账户已冻结：{message}",
    Unavailable: "数据库暂时无法连接，请稍后重试。",
    WriteRefused: "分析查询只能读取数据：{why}",
    Timeout: (
        "查询运行超过 {seconds} 秒，已被终止；请缩小范围（标签、带索引的属性、有界的模式）"
        "或加上 LIMIT。"
    ),
    PersistedQueryNotFound: "未找到该持久化查询：请连同查询文本和哈希值一起重新发送。",
    BadCursor: (
        "{argument} 不是本服务器为这个列表（同一分销商、筛选条件和排序）签发的游标；"
        "请去掉 {argument} 从头分页。"
    ),
    RequestTimeout: (
        "请求超过时间限制（{seconds} 秒）已被终止，进行中的写入已回滚。"
        "请减少请求内容（更小的分页、更少的别名）或稍后重试。"
    ),
    QueryTooCostly: (
        "查询的估算成本为 {cost}，超过上限 {limit}：分页大小会在嵌套列表中相乘"
        "（downline(first: 100) 内再嵌套 downline(first: 100) 即 10,000 行）。"
        "请使用更小的分页、更少的嵌套列表或别名。"
    ),
}

# Whole translations of the messages clients meet most; tried in order, first match wins.
_ID = r"'(?P<{0}>[^']*)'"
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p.format(id=_ID.format("id"), other=_ID.format("other"))), zh)
    for p, zh in [
        (
            r"(?P<field>\S+) must be 1-64 characters of A-Z a-z 0-9 _ - \. : \(got (?P<got>.*)\)\.",
            "{field} 必须是 1-64 个字符，只能包含 A-Z a-z 0-9 _ - . :（收到 {got}）。",
        ),
        (
            r"Money must be a non-negative decimal string .*\(got (?P<got>.*)\)\.",
            "金额必须是非负的十进制字符串，小数点后恰好两位，整数部分最多 12 位，"
            '例如 "12.34"（收到 {got}）。',
        ),
        (r"(?P<field>\S+) must be more than 0\.00\.", "{field} 必须大于 0.00。"),
        (
            r"first must be between 1 and (?P<max>\d+), got (?P<got>-?\d+)\.",
            "first 必须在 1 到 {max} 之间，收到 {got}。",
        ),
        (
            r"depth must be between 1 and (?P<max>\d+) .*got (?P<got>-?\d+)\.",
            "depth 必须在 1 到 {max} 之间（配置的团队深度；佣金和团队视图最多三级），收到 {got}。",
        ),
        (
            r"level must be between 1 and (?P<max>\d+), got (?P<got>-?\d+)\.",
            "level 必须在 1 到 {max} 之间，收到 {got}。",
        ),
        (
            r"name must be 1-(?P<max>\d+) characters, not blank\.",
            "name 必须是 1-{max} 个字符，不能为空。",
        ),
        (r"reason must be 1-500 characters, not blank\.", "reason 必须是 1-500 个字符，不能为空。"),
        (
            r"phone must be 5-20 digits, optionally with a leading \+ and spaces\.",
            "phone 必须是 5-20 位数字，可以以 + 开头并包含空格。",
        ),
        (r"since must be earlier than until\.", "since 必须早于 until。"),
        (
            r"after is not a cursor returned by this (downline|list)\.",
            "after 不是该列表返回的游标。",
        ),
        (
            r"after is a cursor from a different distributor's downline\.",
            "after 是另一位分销商下线列表的游标。",
        ),
        (
            r"DateTime .*(with an offset|needs an offset).*",
            "DateTime 必须是带时区偏移的 ISO-8601 字符串，例如 2026-01-31T08:00:00+08:00。",
        ),
        (
            r"A withdrawal must be at least (?P<min>\S+), got (?P<got>\S+)\.",
            "提现金额至少为 {min}，收到 {got}。",
        ),
        (
            r"A withdrawal of (?P<amount>\S+) exceeds the available balance of "
            r"(?P<available>\S+)\.",
            "提现金额 {amount} 超过可用余额 {available}。",
        ),
        (
            r"Distributor {id} is frozen and cannot withdraw\.",
            "分销商“{id}”已冻结，不能提现。",
        ),
        (r"Distributor {id} is frozen; reject or wait\.", "分销商“{id}”已冻结；请拒绝或等待。"),
        (
            r"Distributor {id} is already bound to sponsor {other}; .*",
            "分销商“{id}”已绑定推荐人“{other}”；绑定关系是永久的（管理员可以重新分配）。",
        ),
        (
            r"Distributor {id} is already registered under sponsor {other}\.",
            "分销商“{id}”已在推荐人“{other}”之下注册。",
        ),
        (
            r"Distributor {id} is already registered without a sponsor; .*",
            "分销商“{id}”已注册但没有推荐人；请使用 bindSponsor 绑定。",
        ),
        (
            r"Order {id} was already recorded with other content .*",
            "订单“{id}”已以不同内容记录过（买家、金额、paidAt 或商品）；一个订单号只代表一个订单。",
        ),
        (
            r"Order {id} appears twice in the batch with other content\.",
            "订单“{id}”在同一批次中以不同内容出现了两次。",
        ),
        (
            r"Refund {id} was already recorded for another order or amount\.",
            "退款“{id}”已针对其他订单或金额记录过。",
        ),
        (
            r"The bind window has closed: .* within (?P<hours>\S+) h .*",
            "绑定期限已过：只能在加入后 {hours} 小时内绑定推荐人（绑定模式 REGISTRATION_ONLY）。",
        ),
        (
            r"A withdrawal that is (?P<current>\w+) cannot become (?P<target>\w+) .*",
            "状态为 {current} 的提现不能变为 {target}"
            "（REQUESTED → APPROVED → PAID，或在支付前 REJECTED）。",
        ),
        (
            r"idempotencyKey {id} was already used for a withdrawal of (?P<amount>\S+)\.",
            "idempotencyKey“{id}”已用于一笔 {amount} 的提现。",
        ),
        (r"The bearer token has expired; ask for a new one\.", "令牌已过期，请申请新的令牌。"),
        (r"The bearer token's signature does not verify\.", "令牌签名校验失败。"),
        (r"The bearer token is malformed or incomplete\.", "令牌格式错误或不完整。"),
        (r"The bearer token is meant for another audience\.", "令牌的受众（audience）不是本服务。"),
        (r"The bearer token comes from an unknown issuer\.", "令牌的签发者未知。"),
        (
            r"The Authorization header must read `Bearer <token>`\.",
            "Authorization 请求头必须是 `Bearer <token>` 的形式。",
        ),
    ]
]


def register(entries: dict[type[ReferralError], str]) -> None:
    """Add the entries of another errors module (access adds its own)."""
    CATALOGUE.update(entries)


def template_for(cls: type[ReferralError]) -> str:
    """The class's own entry, else its nearest ancestor's (never missing at the root)."""
    for klass in cls.__mro__:
        if klass in CATALOGUE:
            return CATALOGUE[klass]
    return CATALOGUE[ReferralError]


def chinese(error: ReferralError) -> str:
    """The error's message in Chinese, same meaning and values as the English one."""
    for pattern, zh in PATTERNS:
        if match := pattern.fullmatch(error.message):
            return zh.format(**match.groupdict())
    values = dict(error.params)
    if "kind" in values:
        values["kind"] = KINDS.get(values["kind"], values["kind"])
    if "status" in values:
        values["status"] = STATUSES.get(values["status"], values["status"])
    try:
        return template_for(type(error)).format(message=error.message, **values)
    except (KeyError, IndexError):
        return CATALOGUE[ReferralError].format(message=error.message)


def chinese_request_error(message: str) -> str:
    """A request error that no resolver raised (syntax, validation, variables)."""
    return f"请求无效（GraphQL 语法、校验或变量错误）：{message}"


def chinese_unexpected(request_id: str) -> str:
    return f"发生意外错误；请向技术支持提供请求编号 {request_id}。"
