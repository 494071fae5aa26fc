"""Shared fixtures: the repository's test data and the `lockstep` CLI built from the same
commit (scripts/test.sh builds it; LOCKSTEP_BIN overrides the path)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TRANSFORMS = DATA / "transforms"


def lockstep_bin() -> Path:
    path = Path(os.environ.get("LOCKSTEP_BIN", ROOT / "target" / "debug" / "lockstep"))
    if not path.is_file():
        pytest.fail(f"the lockstep CLI is not built at {path} (cargo build -p lockstep-serve)")
    return path


def run_cli(*args: object, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `lockstep ARGS…`; fails the test with its stderr when it fails and `check`."""
    done = subprocess.run(
        [str(lockstep_bin()), *map(str, args)], capture_output=True, text=True
    )
    if check and done.returncode != 0:
        pytest.fail(f"lockstep {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done


def case_specs() -> list[tuple[str, dict]]:
    """Every committed transform case: (name, spec)."""
    return [
        (p.stem, json.loads(p.read_text())["spec"])
        for p in sorted((TRANSFORMS / "cases").glob("*.json"))
    ]


def identity_lines() -> dict[str, tuple[str, str, str]]:
    """tests/data/transforms/identity.sha256's CSV lines: name → (fingerprint, train, test)."""
    lines = {}
    for line in (TRANSFORMS / "identity.sha256").read_text().splitlines():
        name, fmt, fingerprint, train, test = line.split()
        if fmt == "csv":
            lines[name] = (fingerprint, train, test)
    return lines
