"""Shared test plumbing. Every test runs with HOME, IBMCLOUD_HOME and XDG_CONFIG_HOME in a temporary
folder and without the caller's IBMCLOUD_* variables, so no test touches the real home directory
or a real ibmcloud session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FAKE_DIR = ROOT / "tests" / "fake_ibmcloud"
FAKE_IBMCLOUD = FAKE_DIR / "ibmcloud"
# The installed console script, next to the interpreter running the tests (make test's venv).
INSTALLED = Path(sys.executable).parent / "openscale-creds"


@pytest.fixture(autouse=True)
def fresh_masker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The masker's registry is process-wide: a secret (or an odd test value registered as one) from
    one in-process test would mask words in the next test's messages. Each test starts with none."""
    from openscale_creds import redact

    monkeypatch.setattr(redact, "_registered", set())
    monkeypatch.setattr(redact, "_fragments", set())
    monkeypatch.setattr(redact, "_short_patterns", [])


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("IBMCLOUD_HOME", str(home / "ibmcloud-home"))
    # The fake ibmcloud starts with `#!/usr/bin/env python3`: let that find this interpreter directly
    # rather than a pyenv shim, which costs a quarter of a second per call.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in list(os.environ):
        if name.startswith(("IBMCLOUD_", "OPENSCALE_CREDS_", "FAKE_IBMCLOUD_")) and name != "IBMCLOUD_HOME":
            monkeypatch.delenv(name)
    # `setup` keeps keys in the OS keychain when one works: never the developer's own. Tests that
    # want a keychain start a private Secret Service (tests/_secret_service.py).
    for name in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    runtime = home / ".run"  # inside HOME: tests that look for stray files keep HOME
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield home


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> Result:
    """Run the installed `openscale-creds` as a real process, with the fake ibmcloud as the CLI."""
    full_env = dict(os.environ)
    full_env.setdefault("OPENSCALE_CREDS_IBMCLOUD", str(FAKE_IBMCLOUD))
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [str(INSTALLED), *args],
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        cwd=cwd,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> type:
    """`cli.run([...])` runs the installed command against the fake ibmcloud."""

    class _Cli:
        run = staticmethod(run_cli)

    return _Cli
