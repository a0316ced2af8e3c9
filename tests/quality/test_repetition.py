from __future__ import annotations

import pytest

from service.quality.repetition import has_loop


@pytest.mark.parametrize(
    "text",
    [
        "Foreign Minister Cho Tae-yul met his counterpart in Seoul on Tuesday.",
        "« Non, non, non », a-t-il répondu, avant de quitter la salle.",
        "North Korea and South Korea, and North Korea's ally China, met in Beijing.",
        "조태열 외교부 장관은 화요일 서울에서 상대국 장관을 만났다.",
        "",
        "very very good",
    ],
)
def test_normal_prose_is_not_a_loop(text: str) -> None:
    assert not has_loop(text)


@pytest.mark.parametrize(
    "text",
    [
        "the the the the the the the the the",
        "He said that the talks of the talks of the talks of the talks would resume.",
        "북한 북한 북한 북한 북한 북한 북한 북한",
        " ".join(["of the ministry", "said the ministry"] * 8),
    ],
)
def test_loops_are_detected(text: str) -> None:
    assert has_loop(text)
