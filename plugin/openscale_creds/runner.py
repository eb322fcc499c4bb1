"""The one place that runs non-interactive `ibmcloud` commands (the only `subprocess` user).

An argv list, never a shell; an explicit child environment; stdout and stderr captured apart; a
timeout that kills the child's whole process tree; and a check that treats a `FAILED` line or
`Incorrect Usage` as failure even when the exit code is 0 (the real CLI exits 0 on bad usage).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence

from openscale_creds import redact
from openscale_creds.errors import (
    CannotRun,
    CliNotFound,
    CommandFailed,
    CommandNotFound,
    CommandRejected,
    Interrupted,
    NotFound,
    NotLoggedIn,
    TimedOut,
    UsageError,
)
from openscale_creds.parsers.common import find_failure

WINDOWS_DEFAULT = r"C:\Program Files\IBM\Cloud\bin\ibmcloud.exe"
INSTALL_HINT = "install the IBM Cloud CLI (https://cloud.ibm.com/docs/cli) or pass --ibmcloud PATH"


def resolve_ibmcloud(
    explicit: str | None,
    *,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
    environ: Mapping[str, str] = os.environ,
    is_file: Callable[[str], bool] = os.path.isfile,
) -> str:
    """The absolute path of the `ibmcloud` executable to run.

    On Windows only a real `.exe` is accepted: a `.bat`/`.cmd` wrapper makes CreateProcess run
    cmd.exe, which re-parses every argument by its own rules (the BatBadBut class of injection),
    and `shutil.which` can return such a wrapper because it honours PATHEXT.
    """
    windows = platform == "win32"
    if explicit:
        found = explicit if (os.sep in explicit or "/" in explicit) else which(explicit)
        if not found or not is_file(found):
            raise CliNotFound(f"ibmcloud not found at {explicit!r}", hint=INSTALL_HINT)
    else:
        found = which("ibmcloud.exe" if windows else "ibmcloud")
        if not found and windows:
            default = os.path.join(environ.get("ProgramFiles", r"C:\Program Files"), "IBM", "Cloud", "bin")
            candidate = os.path.join(default, "ibmcloud.exe")
            found = candidate if is_file(candidate) else None
        if not found:
            raise CliNotFound("the ibmcloud CLI was not found on PATH", hint=INSTALL_HINT)
    path = found if windows else os.path.abspath(found)
    if windows:
        # Windows ignores trailing dots and spaces, so `ibmcloud.bat. .` would still run as a batch file.
        suffix = os.path.splitext(path.rstrip(". "))[1].lower()
        if suffix in (".bat", ".cmd"):
            raise CliNotFound(
                f"refusing to run the batch-file wrapper {path}: cmd.exe would re-parse its arguments",
                hint=r"pass --ibmcloud with the real ibmcloud.exe, e.g. " + WINDOWS_DEFAULT,
            )
        if suffix != ".exe":
            raise CliNotFound(f"{path} is not an .exe", hint=r"pass --ibmcloud with the path of ibmcloud.exe")
    elif not os.access(path, os.X_OK):
        raise CliNotFound(f"{path} is not executable", hint=f"chmod +x {path}, or pass --ibmcloud PATH")
    return path


def child_env(
    base: Mapping[str, str],
    *,
    api_key: str | None = None,
    home: str | None = None,
) -> dict[str, str]:
    """The environment every `ibmcloud` child gets."""
    env = dict(base)
    # Colour codes would corrupt parsed tables (we still strip them: SDK 1.8.1-1.12.0 ignored this).
    env["IBMCLOUD_COLOR"] = "false"
    # The update check appends notices to output and has made commands hang or be skipped with exit 0.
    env["IBMCLOUD_VERSION_CHECK"] = "false"
    # Labels, FAILED and prompts are translated in other locales; the parsers read English.
    env["LANG"] = env["LC_ALL"] = "en_US.UTF-8"
    env["LANGUAGE"] = "en_US"
    # A trace would mix HTTP dumps (with tokens) into the output we parse and maybe log.
    env.pop("IBMCLOUD_TRACE", None)
    # The user's own key reaches a child only when we log in with it on purpose.
    env.pop("IBMCLOUD_API_KEY", None)
    env.pop("BLUEMIX_API_KEY", None)
    if api_key is not None:
        # The key travels in the environment, never in argv where `ps` shows it.
        env["IBMCLOUD_API_KEY"] = api_key
    if home is not None:
        # A private session, so the user's own login is neither used nor disturbed.
        env["IBMCLOUD_HOME"] = home
    return env


class Completed:
    """What a finished `ibmcloud` command left (a plain class: nothing built at import)."""

    __slots__ = ("args", "duration", "returncode", "stderr", "stdout")

    def __init__(
        self, args: tuple[str, ...], returncode: int, stdout: str, stderr: str, duration: float
    ) -> None:
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration


def describe(args: Sequence[str]) -> str:
    """`ibmcloud target -g Nope`: the command as it ran (quoted for a POSIX shell), for messages.

    Only a `-d` description is shortened to `...`: it is long, and it is our own text.
    """
    from openscale_creds.shellquote import quote_posix

    shown = ["..." if i and args[i - 1] == "-d" else quote_posix(a) for i, a in enumerate(args)]
    return redact.mask(" ".join(["ibmcloud", *shown]))


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    try:
        if sys.platform == "win32":
            if proc.poll() is None:
                proc.kill()
        else:
            # The child leads its own process group, so this also reaches grandchildren, which may
            # still hold our pipes open after the child itself has exited.
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
        proc.communicate(timeout=1)


class Runner:
    """Runs `ibmcloud` commands for the facade; one instance per CLI invocation."""

    def __init__(
        self,
        program: str,
        *,
        timeout: float = 60.0,
        log: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.program = program
        self.timeout = timeout
        self.log = log
        self.environ = dict(os.environ if environ is None else environ)

    def run(
        self,
        args: Sequence[str],
        *,
        step: str,
        api_key: str | None = None,
        home: str | None = None,
        timeout: float | None = None,
    ) -> Completed:
        """Run `ibmcloud ARGS` and return what it printed; raises only for timeouts and spawn failures."""
        for arg in args:
            if "\0" in arg:
                raise UsageError("an argument contains a NUL character", hint="remove it")
        redact.register(api_key)
        argv = [self.program, *args]
        env = child_env(self.environ, api_key=api_key, home=home)
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=sys.platform != "win32",
                creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            )
        except FileNotFoundError:
            raise CliNotFound(f"ibmcloud not found at {self.program}", hint=INSTALL_HINT) from None
        except OSError as exc:
            raise CliNotFound(
                f"cannot run {self.program}: {exc.strerror or exc}", hint=INSTALL_HINT
            ) from None
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            self._log(args, time.monotonic() - started, "timed out")
            raise TimedOut(
                f"`{describe(args)}` did not finish within {limit:g} s while {step}",
                hint="check your network, or raise --timeout",
            ) from None
        except KeyboardInterrupt:
            _kill_tree(proc)
            raise Interrupted(f"interrupted while {step}") from None
        finally:
            if proc.poll() is None:
                _kill_tree(proc)
        duration = time.monotonic() - started
        done = Completed(
            tuple(args),
            proc.returncode,
            out.decode("utf-8", errors="replace"),
            err.decode("utf-8", errors="replace"),
            duration,
        )
        self._log(args, duration, f"exit {proc.returncode}")
        return done

    def _log(self, args: Sequence[str], duration: float, outcome: str) -> None:
        if self.log is not None:
            from openscale_creds.shellquote import quote_posix

            shown = " ".join(quote_posix(a) for a in ("ibmcloud", *args))
            self.log(redact.mask(f"{shown}  [{outcome}, {duration:.2f} s]"))


def check(done: Completed, *, step: str) -> Completed:
    """Raise the domain error for a failed command; `FAILED` counts even with exit code 0."""
    failure = find_failure(done.stderr) or find_failure(done.stdout)
    if failure is None and done.returncode == 0:
        return done
    message = redact.mask(failure.message if failure else _last_line(done.stderr or done.stdout))
    what = f"`{describe(done.args)}` failed while {step}"
    kind = failure.kind if failure else "failed"
    if kind == "not_logged_in":
        # `login` alone only reuses a session: the hint names the ways that make one.
        raise NotLoggedIn(
            f"{what}: {message}",
            hint="log in with `openscale-creds login --sso` or `openscale-creds login --apikey-file FILE`",
        )
    if kind == "not_found":
        raise NotFound(f"{what}: {message}")
    if kind == "usage":
        raise CommandRejected(
            f"{what}: ibmcloud rejected the command line: {message}",
            hint="your ibmcloud version may differ; run `openscale-creds doctor`",
        )
    if done.returncode < 0 and failure is None:
        message = f"ibmcloud was killed by signal {-done.returncode} before it finished"
    elif not message:
        message = f"exit code {done.returncode} and no message"
    raise CommandFailed(f"{what}: {message}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


# --- `exec`: a user's COMMAND with the credentials in its environment ---------------------------------


def find_program(name: str, path: str | None, *, platform: str = sys.platform) -> str:
    """The executable `exec` runs for `name`: a path as given, else the first match on `path` (the
    child's PATH). CommandNotFound (127) or CannotRun (126), as a shell would say."""
    if os.sep in name or (os.altsep and os.altsep in name) or "/" in name:
        if not os.path.exists(name):
            raise CommandNotFound(f"{name}: no such file", hint="check the path")
        found = name
    else:
        which = shutil.which(name, path=path)
        if which is None:
            # A file of that name that is not executable is "cannot run", as sh says (126).
            plain = shutil.which(name, mode=os.F_OK, path=path)
            if plain is not None and not os.path.isdir(plain):
                raise CannotRun(f"{plain}: permission denied", hint=f"chmod +x {plain}")
            raise CommandNotFound(f"{name}: command not found", hint="check the name and PATH")
        found = which
    if os.path.isdir(found):
        raise CannotRun(f"{found}: is a folder, not a program")
    if platform == "win32" and os.path.splitext(found.rstrip(". "))[1].lower() in (".bat", ".cmd"):
        # CreateProcess runs a batch file through cmd.exe, which re-parses every argument.
        raise CannotRun(
            f"{found} is a batch file, which would run through cmd.exe and have its arguments re-parsed",
            hint=f"if you accept that, run `cmd /c {os.path.basename(found)} ...` as the COMMAND",
        )
    if platform != "win32" and not os.access(found, os.X_OK):
        raise CannotRun(f"{found}: permission denied", hint=f"chmod +x {found}")
    return found


def replace_process(program: str, argv: list[str], env: Mapping[str, str]) -> None:
    """Become `program` (POSIX `execve`): its signals and its exit code are then its own, and the
    terminal's Ctrl-C reaches it directly. Returns only by raising CannotRun."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    # Python ignores SIGPIPE and handles SIGINT itself; the program gets the defaults a shell gives.
    for name in ("SIGPIPE", "SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        os.execve(program, argv, dict(env))  # noqa: S606  # an argv list; the shell is what we avoid
    except OSError as exc:
        raise CannotRun(f"{program}: {exc.strerror or type(exc).__name__}") from None


def run_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run `argv` (a list, never through cmd.exe) with `env`, wait, and return its exit code: the
    `exec` of Windows, where a process cannot replace itself. Ctrl-C reaches the child through the
    console it shares with us; we keep waiting for it to finish rather than leave it behind."""
    try:
        proc = subprocess.Popen(list(argv), env=dict(env))
    except FileNotFoundError:
        raise CommandNotFound(f"{argv[0]}: command not found") from None
    except OSError as exc:
        raise CannotRun(f"{argv[0]}: {exc.strerror or type(exc).__name__}") from None
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue  # the child got the same Ctrl-C; its exit code says what it made of it
