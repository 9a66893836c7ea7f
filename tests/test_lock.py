"""The lock files agree with pyproject.toml, and the Dockerfile and compose file pass their
linters (the same checks as `make lint`, so CI runs them too)."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    found = (PIN.match(line.strip()) for line in lines)
    return {normalise(m.group(1)): m.group(3) for m in found if m}


def declared() -> tuple[list[str], list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]["test"]


@pytest.mark.parametrize(("lock", "with_tests"), [
    ("requirements.lock", False), ("requirements-dev.lock", True),
])
def test_every_declared_pin_is_the_locked_version(lock: str, with_tests: bool) -> None:
    runtime, test = declared()
    wanted = pins(runtime + (test if with_tests else []))
    locked = pins((ROOT / lock).read_text().splitlines())
    assert len(wanted) == len(runtime) + (len(test) if with_tests else 0), "every dependency pinned"
    assert {name: locked.get(name) for name in wanted} == wanted
    assert "--hash=sha256:" in (ROOT / lock).read_text()
    if not with_tests:
        assert not {"ruff", "mypy", "pytest"} & set(locked), "the image gets no test tools"


def test_ruff_and_mypy_are_pinned() -> None:
    test = pins(declared()[1])
    assert {"ruff", "mypy"} <= set(test)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_dockerfile_passes_hadolint() -> None:
    done = run(str(BIN / "hadolint"), "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_file_follows_the_compose_spec() -> None:
    done = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
               "docker-compose.yml")
    assert done.returncode == 0, done.stdout + done.stderr
