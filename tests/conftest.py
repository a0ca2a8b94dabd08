"""Shared fixtures: paths to the shipped sources."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
GAZETTE_2024_3 = SOURCES / "004_d96df1f4540694e4.txt"


@pytest.fixture(scope="session")
def gazette_path() -> Path:
    return GAZETTE_2024_3
