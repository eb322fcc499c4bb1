"""Plumbing for test_secret_hygiene.py and test_awkward_names.py: runs of the installed command in
a fully explicit environment, so module-scoped fixtures (set up before conftest's function-scoped
isolation applies) neither see the caller's IBMCLOUD_* variables nor touch the real home.

Each `Sandbox` is one user's machine: its own HOME, IBMCLOUD_HOME, TMPDIR (where debug files land),
fake-ibmcloud state and invocation log. Sandboxes are independent, so runs in different sandboxes
may go in parallel (`run_parallel`); the fake writes its files atomically, so read-only commands
may also share one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
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
        env.update(
            HOME=str(self.home),
            USERPROFILE=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            IBMCLOUD_HOME=str(self.ibmcloud_home),
            TMPDIR=str(self.tmpdir),
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


# --- the core without processes ------------------------------------------------------------------


class QuietUi:
    """A `workflow.Ui` that records what it would have shown. Nobody is at a terminal unless
    `interactive`; a `passcode` is the one-time code the person would type."""

    def __init__(self, *, interactive: bool = False, passcode: str | None = None) -> None:
        self.shown: list[str] = []
        self.interactive = interactive
        self.passcode = passcode

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[Any]:
        from openscale_creds.workflow import StepResult

        self.shown.append(what)
        res = StepResult()
        yield res
        self.shown.append(res.result)

    def info(self, message: str) -> None:
        self.shown.append(message)

    def warn(self, message: str) -> None:
        self.shown.append(message)

    def read_passcode(self, url: str) -> str:
        if self.passcode is None:
            raise AssertionError("no passcode prompt expected")
        self.shown.append(f"passcode for {url}")
        return self.passcode

    def choose_account(self, choices: list[Any]) -> Any:
        raise AssertionError("no account menu expected")


class FakeCloud:
    """An `ibmcloud.IbmCloud` over a list of instances; `fail` makes a method raise once it is called.

    Method names in `fail` ("login_apikey", "create_api_key", "find_instances", "delete_api_key",
    ...) map to the error to raise, so every error path of a workflow can be reached.
    """

    relogin: Callable[[], None] | None = None
    program = "/opt/fake/ibmcloud"
    PASSCODE_URL = "https://iam.cloud.ibm.com/identity/passcode"

    def __init__(
        self,
        instances: Sequence[Any] = (),
        *,
        new_keys: Sequence[str] = ("fake-new-key-0000000000000000000000000000",),
        fail: Mapping[str, Exception] | None = None,
        session: Any = None,
        after_sso: Any = None,
    ) -> None:
        """`session`: what `target` returns until a login (default: logged in); `after_sso`: the
        session `login_sso` leaves (default: logged in)."""
        from openscale_creds.models import Account, Target

        self.instances = list(instances)
        self.new_keys = list(new_keys)
        self.fail = dict(fail or {})
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.created: list[Any] = []
        self.logged_in = Target(
            logged_in=True,
            region="us-south",
            user="demo.user@example.com",
            account=Account("Demo Account", "34445945c2dfb743dccd9aea88034794"),
            resource_group="Default",
        )
        self.session = self.logged_in if session is None else session
        self.after_sso = self.logged_in if after_sso is None else after_sso

    def _record(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((method, args, kwargs))
        if method in self.fail:
            raise self.fail[method]

    def version(self) -> str:
        self._record("version")
        return "2.38.1"

    def target(self, *, home: str | None = None) -> Any:
        self._record("target", home=home)
        return self.session

    def login_apikey(self, api_key: str, **kwargs: Any) -> Any:
        self._record("login_apikey", api_key, **kwargs)
        self.session = self.logged_in
        return self.logged_in

    def login_sso(self, prompts: Any, **kwargs: Any) -> Any:
        """As the real dialogue does: show the passcode URL, ask for the code, then the session."""
        self._record("login_sso", **kwargs)
        prompts.info(f"Get a one-time code from {self.PASSCODE_URL} to proceed.")
        prompts.read_passcode(self.PASSCODE_URL)
        self.session = self.after_sso
        return self.session

    def target_group(self, group: str) -> Any:
        self._record("target_group", group)
        return dataclasses.replace(self.logged_in, resource_group=group)

    def create_api_key(self, name: str, description: str, *, home: str | None = None) -> Any:
        from openscale_creds.models import ApiKey

        self._record("create_api_key", name, description, home=home)
        key = ApiKey(
            name=name,
            id=f"ApiKey-fake-{len(self.created) + 1}",
            apikey=self.new_keys[len(self.created) % len(self.new_keys)],
            description=description,
            created_at="2025-01-02T03:04+0000",
        )
        self.created.append(key)
        return key

    def delete_api_key(self, key_id: str, *, home: str | None = None) -> None:
        self._record("delete_api_key", key_id, home=home)

    def find_instances(
        self, name_or_id: str, *, location: str | None = None, home: str | None = None
    ) -> list[Any]:
        self._record("find_instances", name_or_id, location=location, home=home)
        return [i for i in self.instances if name_or_id in (i.name, i.guid, i.crn)]

    def oauth_token(self) -> str:
        self._record("oauth_token")
        return "fake-oauth-token-for-unit-tests-0000"
