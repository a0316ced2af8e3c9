"""MTS_MALLOC_ARENAS: the cap on glibc's malloc arenas, set before the model threads start."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from service.models.loading import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt(M_ARENA_MAX) is glibc's")
def test_the_arena_cap_is_applied_on_glibc_and_0_leaves_the_default() -> None:
    assert limit_malloc_arenas(0) is False
    # In a fresh process, so this test's own allocator stays as it was.
    code = "from service.models.loading import limit_malloc_arenas as f; print(f(2), f(1024))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_the_setting_is_bounded() -> None:
    from pydantic import ValidationError

    from service.config import Settings

    assert Settings().malloc_arenas == 2
    with pytest.raises(ValidationError):
        Settings(malloc_arenas=-1)
