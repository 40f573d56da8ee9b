"""Every case of the shared identity vectors, through vigil.normalize."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import vigil

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "identity.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


def _normalizer(case: dict[str, Any]) -> Any:
    """vigil.normalize under the case's PII settings, set through vigil.start."""
    pii = case.get("pii")
    if pii is None:
        vigil.start()
        return vigil.normalize
    vigil.start(pii="hash", pii_secret=pii["secret"], keep_email_domain=pii["keep_email_domain"])
    return vigil.normalize


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    normalize = _normalizer(case)
    pairs = [tuple(p) for p in case["input"]]
    keys = [k for k, _ in pairs]
    inputs: list[Any] = [pairs]
    if len(set(keys)) == len(keys):
        inputs.append(dict(pairs))  # the usual call shape
    for ids in inputs:
        if "error" in case:
            with pytest.raises(ValueError) as info:
                normalize(ids)
            assert isinstance(info.value, vigil.IdentifierError)
            assert info.value.code == case["error"]
        else:
            got = normalize(ids)
            assert got.ids == case["expect"]["ids"]
            assert list(got.ids) == list(case["expect"]["ids"])
            assert got.primary == case["expect"]["primary"]
            assert got.key == case["expect"]["key"]


def test_vector_file_is_complete() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize(
    "ids",
    [{"username": 1}, {"username": None}, {1: "x"}, {"username": b"alice"}, [("a", 2)], "alice", 3],
)
def test_non_strings_are_type_errors(ids: Any) -> None:
    with pytest.raises(TypeError):
        vigil.normalize(ids)


def test_same_user_keys_match() -> None:
    by_name = {c["name"]: c for c in CASES}
    for name, case in by_name.items():
        if name.startswith("same-user-") and name.endswith("-a"):
            other = by_name[name[:-2] + "-b"]
            assert case["expect"]["key"] == other["expect"]["key"]
