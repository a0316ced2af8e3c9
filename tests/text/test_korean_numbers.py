"""Tests for service.text.korean_numbers: Korean press number style, values kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.quality.flags import number_diff
from service.text.korean_numbers import press_numbers, unit_style
from service.text.numbers import number_keys

REWRITTEN = [
    ("34,300명", "3만4천300명"),
    ("1,500,000원", "150만원"),
    ("2,400억 달러", "2천400억 달러"),
    ("1,500,000,000,000원", "1조5천억원"),
    ("1,000명", "1천명"),
    ("1,234명", "1천234명"),
    ("12,345명", "1만2천345명"),
    ("10,000명", "1만명"),
    ("100,000,000원", "1억원"),
    ("105,000,000원", "1억500만원"),
    ("3,000만 원", "3천만 원"),
    ("약3,000명", "약3천명"),
    ("1,000경기", "1천경기"),
    ("관중 12,000명이 몰렸다.", "관중 1만2천명이 몰렸다."),
    ("34,300~35,000명", "3만4천300~3만5천명"),
    ("(1,500원)", "(1천500원)"),
]

UNCHANGED = [
    "2025년 9월 8일 14시 30분",
    "3,612.38로 마감했다",
    "1,425.2원",
    "2.5%",
    "1,200%",
    "1,200 %",
    "999명",
    "3000명",
    "010-1234-5678",
    "02-398-3114",
    "제1,234호",
    "A1,000",
    "KRW1,000",
    "1조 2,000억원",
    "1조2,000억원",
    "3만4천300명",
    "8천124억 원",
    "1,2,3",
    "10,000,000,000,000,000명",
    "1,23",
]


@pytest.mark.parametrize(("text", "expected"), REWRITTEN)
def test_rewritten(text: str, expected: str) -> None:
    assert press_numbers(text) == expected
    assert number_keys(expected, "ko") == number_keys(text, "ko")


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text: str) -> None:
    assert press_numbers(text) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (7, "7"),
        (1000, "1천"),
        (34300, "3만4천300"),
        (10**15 + 1, "1천조1"),
        (2_000_000_300, "20억300"),
    ],
)
def test_unit_style(value: int, expected: str) -> None:
    assert unit_style(value) == expected


def test_unit_style_rejects_out_of_range() -> None:
    with pytest.raises(ValueError, match="10\\^16"):
        unit_style(-1)
    with pytest.raises(ValueError, match="10\\^16"):
        unit_style(10**16)


def test_a_range_of_values_keeps_its_values() -> None:
    # Every value from 1,000 to 10,999, then a sample up to 2,000,000.
    for value in [*range(1000, 11_000), *range(11_000, 2_000_001, 997)]:
        text = f"{value:,}명"
        out = press_numbers(text)
        assert "," not in out
        assert number_keys(out, "ko") == {str(value)}, (text, out)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1000, max_value=10**19),
    st.sampled_from(["원", " 달러", "명", "", "만원", "억 달러"]),
)
def test_generated_amounts_keep_their_values(value: int, counter: str) -> None:
    text = f"올해 {value:,}{counter}을 기록했다."
    out = press_numbers(text)
    assert number_keys(out, "ko") == number_keys(text, "ko")


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("34 300 personnes", "3만4천300명"),
        ("1,5 milliard de dollars", "15억 달러"),
        ("1.500 milliards de wons", "1조5천억원"),
        ("240 milliards de dollars", "2천400억 달러"),
        ("2.400 milliards de dollars", "2조4천억 달러"),
    ],
)
def test_number_checker_accepts_the_press_style(source: str, output: str) -> None:
    assert number_diff(source, "fr", output, "ko") == ([], [])
