"""mypy --strict on the stubs through a typed usage file; ruff check and format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def _run(*args: str) -> None:
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_on_stubs() -> None:
    _run(_tool("mypy"), "--strict", "--no-incremental", "tests/typed_usage.py")


def test_ruff_check() -> None:
    _run(_tool("ruff"), "check", "python", "tests", "bench")


def test_ruff_format() -> None:
    _run(_tool("ruff"), "format", "--check", "python", "tests", "bench")
