"""Plumbing for the fault-injection suite: a running `openscale-creds` that a test can interrupt, checks
that no process outlived it, a stand-in `ibmcloud` for outputs the fake cannot print, and a write hook
that holds the tool at the moment it writes its credentials file."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from _e2e import World
from conftest import FAKE_IBMCLOUD, INSTALLED

PROG = "openscale-creds"


# --- processes --------------------------------------------------------------------------------------


def alive(pid: int) -> bool:
    """Whether `pid` still runs. A zombie counts as dead: it runs nothing, and in a container whose
    PID 1 does not reap, an orphaned grandchild stays a zombie for as long as the container lives."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:
        # No /proc (not Linux): signal 0 asks without touching it.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    # The state letter follows the command name, which is in parentheses and may itself hold spaces.
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def fake_pids(world: World) -> list[int]:
    """The pid of every fake `ibmcloud` run the world's log recorded."""
    return [int(call["pid"]) for call in world.calls()]


def read_pid(pidfile: Path) -> int | None:
    """The `sleep 1000` grandchild that the `hang` faults started, once the file is complete."""
    try:
        text = pidfile.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return int(text) if text.endswith("\n") else None


def survivors(pids: Iterable[int], grace: float = 1.0) -> list[int]:
    """The pids still running after `grace` seconds (a SIGKILL is delivered at once, but not reaped)."""
    pending = list(pids)
    deadline = time.monotonic() + grace
    while pending and time.monotonic() < deadline:
        pending = [pid for pid in pending if alive(pid)]
        if pending:
            time.sleep(0.02)
    return [pid for pid in pending if alive(pid)]


def kill_quietly(pids: Iterable[int]) -> None:
    """Clean up after a failed test so a stray `sleep 1000` does not outlive the run."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def wait_until(what: str, ready: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Running:
    """The installed command started in the background, with its stderr collected as it arrives.

    It leads its own process group, like a foreground job in a terminal, so `interrupt()` is what
    Ctrl-C does: SIGINT to the whole group (children that moved to a session of their own get none).
    """

    def __init__(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        stdin_text: str | None = None,
        keep_stdin_open: bool = False,
        prefix: Sequence[str] = (),
    ) -> None:
        full_env = {**os.environ, "OPENSCALE_CREDS_IBMCLOUD": str(FAKE_IBMCLOUD), **env}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [*prefix, str(INSTALLED), *args],
            stdin=subprocess.PIPE if (stdin_text is not None or keep_stdin_open) else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            start_new_session=True,
        )
        self._err = bytearray()
        self._out = bytearray()
        self._readers = [
            threading.Thread(target=self._drain, args=(self.proc.stderr, self._err), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stdout, self._out), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        if stdin_text is not None:
            self.send(stdin_text, close=not keep_stdin_open)

    @staticmethod
    def _drain(stream: Any, sink: bytearray) -> None:
        while True:
            chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
            if not chunk:
                return
            sink.extend(chunk)

    @property
    def stderr(self) -> str:
        return bytes(self._err).decode("utf-8", errors="replace")

    @property
    def stdout(self) -> str:
        return bytes(self._out).decode("utf-8", errors="replace")

    def send(self, text: str, *, close: bool = True) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode("utf-8"))
        self.proc.stdin.flush()
        if close:
            self.proc.stdin.close()

    def wait_for_stderr(self, text: str, timeout: float = 15.0) -> None:
        wait_until(f"{text!r} on stderr (so far: {self.stderr!r})", lambda: text in self.stderr, timeout)

    def interrupt(self) -> None:
        os.killpg(self.proc.pid, signal.SIGINT)

    def finish(self, timeout: float = 20.0) -> int:
        """Wait for the exit; returns the exit code. Seconds since the start are in `elapsed`."""
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.elapsed = time.monotonic() - self.started
        for reader in self._readers:
            reader.join(timeout=5)
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        return code


# --- what the user sees -----------------------------------------------------------------------------

_RAW_SAVED = re.compile(rf"^{PROG}: the raw output \(secrets masked\) is in (?P<path>.+?); please attach")


def one_line_cause(stderr: str) -> str:
    """The single `error:` line a failure prints (the only extra line allowed is where exit 7 saved the
    raw output); fails the test on a traceback or on a cause spread over several lines."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith(f"{PROG}: error: ")]
    assert len(errors) == 1, stderr
    after = lines[errors[0] + 1 :]
    assert all(_RAW_SAVED.match(line) for line in after), stderr
    return lines[errors[0]]


def saved_raw_output(stderr: str) -> Path | None:
    for line in stderr.splitlines():
        match = _RAW_SAVED.match(line)
        if match:
            return Path(match.group("path"))
    return None


# --- the fake's state -------------------------------------------------------------------------------


def keys_created(world: World) -> list[dict[str, Any]]:
    """Every API key the fake created in this world (they are shared through FAKE_IBMCLOUD_STATE_DIR)."""
    path = world.tmp / "fake-state" / "fake-apikeys.json"
    if not path.exists():
        return []
    created: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")).get("created", [])
    return created


def create_calls(world: World) -> int:
    return sum(1 for argv in world.argvs() if argv[:2] == ["iam", "api-key-create"])


def leftovers(folder: Path, keep: Iterable[str] = ()) -> list[str]:
    """Files in `folder` other than `keep`: temp files, half-written copies, debug dumps."""
    if not folder.exists():
        return []
    kept = set(keep)
    return sorted(p.name for p in folder.iterdir() if p.name not in kept)


# --- an `ibmcloud` that says what a test needs ------------------------------------------------------

SCRIPTED = """\
#!{python}
# Prints a chosen reply for the first TIMES calls whose argv starts with ON; runs the fake otherwise.
import os, sys
on = os.environ["SCRIPTED_ON"].split()
count_file = os.environ["SCRIPTED_COUNT_FILE"]
if sys.argv[1:1 + len(on)] == on:
    done = int(open(count_file).read() or 0) if os.path.exists(count_file) else 0
    if done < int(os.environ.get("SCRIPTED_TIMES", "1000000")):
        with open(count_file, "w") as f:
            f.write(str(done + 1))
        sys.stdout.buffer.write(os.environ.get("SCRIPTED_STDOUT", "").encode())
        sys.stderr.buffer.write(os.environ.get("SCRIPTED_STDERR", "").encode())
        sys.exit(int(os.environ.get("SCRIPTED_CODE", "0")))
os.execv({fake!r}, [{fake!r}, *sys.argv[1:]])
"""


def scripted_ibmcloud(folder: Path) -> Path:
    """A wrapper in front of the fake, for replies the fake has no knob for (translated `FAILED` with
    exit 0, `Please login`). Configured through SCRIPTED_* variables in the child environment."""
    path = folder / "ibmcloud"
    path.write_text(SCRIPTED.format(python=sys.executable, fake=str(FAKE_IBMCLOUD)), encoding="utf-8")
    path.chmod(0o755)
    return path


# --- a hook at the moment the credentials are written -----------------------------------------------

# Loaded by every Python process that has its folder on PYTHONPATH (the fake too, where it never fires):
# it acts once, when the process opens the writer's temp file `.NAME.<random>.tmp` next to the target.
SITECUSTOMIZE = """\
import os
import sys


def _install():
    target = os.environ.get("FAULTS_HOOK_TARGET")
    mode = os.environ.get("FAULTS_HOOK_MODE", "")
    marks = os.environ.get("FAULTS_HOOK_DIR")
    if not (target and mode and marks):
        return
    folder, name = os.path.split(target)
    prefix = os.path.join(folder, "." + name + ".")
    fired = []

    def act():
        import time

        if mode.startswith("fsize:"):
            import resource

            limit = int(mode.split(":", 1)[1])
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            return
        open(os.path.join(marks, "arrived.%d" % os.getpid()), "w").close()
        deadline = time.monotonic() + 20
        if mode == "pause":
            while not os.path.exists(os.path.join(marks, "release")) and time.monotonic() < deadline:
                time.sleep(0.01)
        elif mode.startswith("barrier:"):
            wanted = int(mode.split(":", 1)[1])
            while time.monotonic() < deadline:
                if sum(1 for n in os.listdir(marks) if n.startswith("arrived.")) >= wanted:
                    break
                time.sleep(0.005)

    def hook(event, args):
        if event != "open" or fired or not args or not isinstance(args[0], str):
            return
        if args[0].startswith(prefix) and args[0].endswith(".tmp"):
            fired.append(args[0])
            act()

    sys.addaudithook(hook)


_install()
"""


def write_hook_env(folder: Path, target: Path, mode: str) -> dict[str, str]:
    """Environment that installs the write hook for `target` in the tool (see SITECUSTOMIZE).

    Modes: `pause` (mark `arrived.PID` in `folder`, wait for `folder/release`), `barrier:N` (wait until
    N processes arrived, so their writes overlap), `fsize:N` (from now on files may not exceed N bytes).
    """
    site = folder / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    marks = folder / "marks"
    marks.mkdir(exist_ok=True)
    return {
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p),
        "FAULTS_HOOK_TARGET": str(target),
        "FAULTS_HOOK_MODE": mode,
        "FAULTS_HOOK_DIR": str(marks),
    }


def arrived(folder: Path) -> list[int]:
    marks = folder / "marks"
    return [int(p.name.split(".", 1)[1]) for p in marks.glob("arrived.*")] if marks.exists() else []


def release(folder: Path) -> None:
    (folder / "marks" / "release").touch()
