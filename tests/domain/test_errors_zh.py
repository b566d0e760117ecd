"""Every coded error has a Chinese message with the same values (SPEC §11)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import access.errors
import access.errors_zh
import domain.errors
from domain.errors import ReferralError
from domain.errors_zh import CATALOGUE, chinese

CJK = re.compile(r"[\u4e00-\u9fff]")


def error_classes() -> list[type[ReferralError]]:
    """Every error class the two errors modules define (walked, not listed by hand)."""
    found = []
    for module in (domain.errors, access.errors):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, ReferralError) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def sample(cls: type[ReferralError]) -> ReferralError:
    """An instance built with placeholder values for whatever its constructor takes."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    args: list[Any] = []
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.name in ("retry_after", "seconds"):
            args.append(1.5)
        elif p.annotation in (int, "int"):
            args.append(12345)
        else:
            args.append(f"v-{p.name}")
    return cls(*args)


def test_every_error_class_has_its_own_chinese_entry() -> None:
    classes = error_classes()
    assert len(classes) >= 18
    missing = [c.__name__ for c in classes if c not in CATALOGUE]
    assert not missing, f"no Chinese message for {missing} (domain/errors_zh.py)"


def test_every_error_class_formats_in_chinese_with_its_values() -> None:
    for cls in error_classes():
        error = sample(cls)
        zh = chinese(error)
        assert CJK.search(zh), (cls.__name__, zh)
        assert "{" not in zh, (cls.__name__, zh)
        for value in error.params.values():
            assert value in zh, (cls.__name__, value, zh)


def test_common_free_text_messages_are_translated_whole() -> None:
    from domain.inputs import check_page_size
    from domain.money.fen import parse_money

    calls: list[Callable[[], object]] = [lambda: check_page_size(0), lambda: parse_money("abc")]
    for call in calls:
        try:
            call()
        except ReferralError as exc:
            zh = chinese(exc)
            assert not re.search(r"[A-Za-z]{5,}", zh.replace("first", "")), zh
        else:
            raise AssertionError("no error")
