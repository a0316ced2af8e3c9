"""The README documents every setting the service reads."""

from __future__ import annotations

from pathlib import Path

from service.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f"MTS_{name.upper()}" for name in Settings.model_fields if f"MTS_{name.upper()}" not in text]
    assert missing == []
