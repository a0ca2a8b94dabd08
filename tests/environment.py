"""What the test machine has: tools the suite drives (a browser, an office suite) skip their tests
locally when missing and FAIL them under CI (``CI=true``), where a missing tool is a broken machine."""
from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str, module_level: bool = False, what: str = "browser tests"):
    """Skip locally; fail under CI."""
    if in_ci():
        pytest.fail(f"{what} cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)
