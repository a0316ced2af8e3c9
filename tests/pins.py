"""The check shared by the tests that pin a dependency's version for an adapter to its internals."""

from __future__ import annotations


def assert_checked_version(
    name: str, version: str, checked: tuple[tuple[int, int], tuple[int, int]], what: str
) -> None:
    """Fail, saying what to re-check, when ``version`` is outside the (major, minor) range ``checked``."""
    installed = tuple(int(part) for part in version.split(".")[:2])
    low, high = checked
    assert low <= installed <= high, (
        f"{name} {version} is outside {low[0]}.{low[1]}-{high[0]}.{high[1]}, the versions {what} was "
        "checked against: re-check it against this version, then widen its range"
    )
