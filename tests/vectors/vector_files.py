"""Writes the vector files a reference computes, or checks that the committed ones are what
it computes (`--check`, run by `make vectors-check`). Shared by the references."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent


def main(script: str, doc: str, names: Iterable[str], docs: Iterable[Any]) -> int:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args()
    stale = []
    for name, content in zip(names, docs):
        text = json.dumps(content, indent=1, ensure_ascii=False) + "\n"
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)}: run python3 tests/vectors/{script}", file=sys.stderr)
        return 1
    return 0
