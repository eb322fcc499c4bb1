"""Sandboxes for test_secret_hygiene.py and test_awkward_names.py: runs of the installed command in
a fully explicit environment, so module-scoped fixtures (set up before conftest's function-scoped
isolation applies) neither see the caller's IBMCLOUD_* variables nor touch the real home.

Each `Sandbox` is one user's machine: its own HOME, IBMCLOUD_HOME, TMPDIR (where debug files land),
fake-ibmcloud state and invocation log. Sandboxes are independent, so runs in different sandboxes
may go in parallel (`run_parallel`); the fake writes its files atomically, so read-only commands
may also share one.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import FAKE_DIR, FAKE_IBMCLOUD, INSTALLED

T = TypeVar("T")
R = TypeVar("R")

_INHERITED_PREFIXES = ("IBMCLOUD_", "BLUEMIX_", "OPENSCALE_CREDS_", "FAKE_IBMCLOUD_")
DEBUG_FILE = re.compile(r"the raw output \(secrets masked\) is in (\S+); please attach it")


@dataclass
class Run:
    """One run of `openscale-creds`: what it printed and what the fake saw."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    calls: list[dict[str, Any]] = field(default_factory=list)  # the fake's log lines for this run

    @property
    def argvs(self) -> list[list[str]]:
        return [c["argv"] for c in self.calls]

    def debug_files(self) -> list[Path]:
        return [Path(m.group(1)) for m in DEBUG_FILE.finditer(self.stderr)]


@dataclass
class Sandbox:
    root: Path
    world: Path | None = None  # FAKE_IBMCLOUD_WORLD; None: the demo world
    # Another sandbox's ibmcloud session, for read-only commands run in parallel with their own log.
    session_of: Sandbox | None = None

    def __post_init__(self) -> None:
        for folder in (self.home / ".config", self.ibmcloud_home, self.tmpdir, self.state):
            folder.mkdir(parents=True, exist_ok=True)
        (self.root / "runtime").mkdir(mode=0o700, exist_ok=True)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def ibmcloud_home(self) -> Path:
        return self.session_of.ibmcloud_home if self.session_of else self.root / "ibmcloud-home"

    @property
    def tmpdir(self) -> Path:
        return self.root / "tmp"

    @property
    def state(self) -> Path:
        return self.root / "fake-state"

    @property
    def log(self) -> Path:
        return self.root / "fake-log.jsonl"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_PREFIXES)}
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        # Never the developer's own keychain: keys go to the sandbox's plain-file store.
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        env.pop("PYTHON_KEYRING_BACKEND", None)
        env.update(
            HOME=str(self.home),
            USERPROFILE=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            IBMCLOUD_HOME=str(self.ibmcloud_home),
            TMPDIR=str(self.tmpdir),
            XDG_RUNTIME_DIR=str(self.root / "runtime"),
            # The fake's folder first, so --dry-run shows the program as plain `ibmcloud`; the venv's
            # bin next, so the fake's `#!/usr/bin/env python3` skips any pyenv shim.
            PATH=os.pathsep.join(
                [str(FAKE_DIR), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
            ),
            OPENSCALE_CREDS_IBMCLOUD=str(FAKE_IBMCLOUD),
            FAKE_IBMCLOUD_LOG=str(self.log),
            FAKE_IBMCLOUD_STATE_DIR=str(self.state),
        )
        if self.world is not None:
            env["FAKE_IBMCLOUD_WORLD"] = str(self.world)
        env.update(extra or {})
        return env

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def run(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> Run:
        """Run the installed command; `calls` are the fake's log lines written during this run."""
        before = len(self.calls())
        proc = subprocess.run(
            [str(INSTALLED), *args],
            env=self.env(env),
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            cwd=self.root,
        )
        return Run(list(args), proc.returncode, proc.stdout, proc.stderr, self.calls()[before:])

    def run_here(self, args: Sequence[str], *, env: Mapping[str, str] | None = None) -> Run:
        """The same as `run`, but through the CLI's entry point in this process: no interpreter
        start-up, so a matrix of --dry-runs costs milliseconds. Not thread-safe (it swaps os.environ
        and sys.stdout/stderr/stdin for the call)."""
        from openscale_creds import cli

        before = len(self.calls())
        out, err = io.StringIO(), io.StringIO()
        code: int | str | None = 0
        with pytest.MonkeyPatch.context() as patch:
            for name in list(os.environ):
                patch.delenv(name)
            for name, value in self.env(env).items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            patch.setattr(sys, "stdin", io.StringIO(""))
            patch.chdir(self.root)
            try:
                cli.main(list(args))
            except SystemExit as exited:
                code = exited.code
        assert isinstance(code, int), code
        return Run(list(args), code, out.getvalue(), err.getvalue(), self.calls()[before:])

    def fake(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run the fake ibmcloud directly (not logged: it is the test asking, not the tool)."""
        full = self.env(env)
        full.pop("FAKE_IBMCLOUD_LOG")
        return subprocess.run(
            [str(FAKE_IBMCLOUD), *args], env=full, capture_output=True, text=True, check=False, timeout=30
        )

    def bearer_token(self) -> str | None:
        """The session's IAM token without `Bearer `, as `ibmcloud iam oauth-tokens` gives it."""
        done = self.fake("iam", "oauth-tokens", "--output", "json")
        if done.returncode != 0:
            return None
        value: str = json.loads(done.stdout)["iam_token"]
        return value.split(" ", 1)[1]


def run_parallel(func: Callable[[T], R], items: Sequence[T], workers: int = 4) -> list[R]:
    """`func` over `items` on a few threads (each call mostly waits for child processes)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))
