"""The `ibmcloud login --sso` dialogue: the one module that answers a child's prompts (and imports pexpect).

Prompts are named patterns that accept both CLI generations (`Get One Time Code from` / `Get a one-time code
from`, `[Y/n]> ` / `[Y/n] > `, `One Time Code > ` / `One-time code > `), `\\r\\n`, and colour codes around the
`>`. Two drivers offer the same small interface: a pty (`pexpect.spawn`, POSIX) and pipes
(`pexpect.popen_spawn.PopenSpawn`, the only choice on Windows and also run on Linux CI).

The timeout counts ibmcloud's silence: it restarts with every answer sent and every byte read, and the time a
person spends fetching the one-time code is not counted (the child is only waiting then). On a timeout, Ctrl-C
or any error the child's whole process tree is killed before the error propagates.

The one-time code goes to the child's stdin only: never into argv, messages or the returned transcript.
pexpect's own exceptions embed the child's buffer, so none of them is allowed to escape this module.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from openscale_creds import errors
from openscale_creds.models import AccountChoice
from openscale_creds.parsers.common import find_failure
from openscale_creds.rules import AUTH_FAILURE, FAILED_WORDS, is_account_id, strip_escapes, unify_line_ends

DriverKind = Literal["pty", "pipe"]
DRIVER_ENV = "OPENSCALE_CREDS_DRIVER"
DRIVER_KINDS: tuple[DriverKind, ...] = ("pty", "pipe")

# Wide enough that no prompt or table line is ever wrapped by the terminal (CLI 1.6.x sized tables by it).
_PTY_DIMENSIONS = (60, 1000)
# Go prints a hidden prompt before it turns echo off; we wait (polling finely) until it has done so.
_NOECHO_WAIT = 1.0
_NOECHO_POLL = 0.002
# Stock PopenSpawn polls its reader queue and sleeps this long between polls: 10 ms keeps a half-minute
# wait for the code from burning a CPU core. Used only if pexpect's internals are not what we rely on.
_PIPE_POLL = 0.01
# The console page a user can always get a code from, for a CLI whose URL line we could not read.
FALLBACK_PASSCODE_URL = "https://iam.cloud.ibm.com/identity/passcode"

# Zero or more colour codes: the SDK colours the prompt `>` cyan whenever it thinks it talks to a terminal.
_SGR = r"(?:\x1b\[[0-?]*[ -/]*[@-~])*"
# A prompt is the last thing the child printed: it waits with `> ` and no newline.
_PROMPT_END = _SGR + ">" + _SGR + r"[ \t]*\Z"


def _phrase(text: str) -> str:
    """A regex for `text` that lets colour codes and any spacing sit between its words and punctuation."""
    return (_SGR + r"[ \t]*" + _SGR).join(re.escape(token) for token in re.findall(r"\w+|[^\w\s]", text))


_YES_NO = r"\[[Yy]/[Nn]\][ \t]*"
_NUMBER_PROMPT = _phrase("Enter a number") + r"[^\n>]*" + _PROMPT_END


class Prompt(enum.Enum):
    """What the child printed, in the order in which ties are broken (the earliest match wins)."""

    PASSCODE_URL = enum.auto()
    BROWSER = enum.auto()
    CODE = enum.auto()
    ACCOUNT_MENU = enum.auto()
    REGION_MENU = enum.auto()
    REJECTED = enum.auto()
    OTHER_MENU = enum.auto()
    OTHER_QUESTION = enum.auto()


PROMPTS: dict[Prompt, re.Pattern[str]] = {
    Prompt.PASSCODE_URL: re.compile(r"https://[^\s\x1b]+/identity/passcode"),
    Prompt.BROWSER: re.compile(r"[^\n]*browser[^\n]*?" + _YES_NO + _PROMPT_END, re.IGNORECASE),
    Prompt.CODE: re.compile(r"one" + _SGR + r"[ -]" + _phrase("time code") + r"[ \t]*" + _PROMPT_END, re.I),
    Prompt.ACCOUNT_MENU: re.compile(_phrase("Select an account:") + r".*?" + _NUMBER_PROMPT, re.DOTALL),
    Prompt.REGION_MENU: re.compile(_phrase("Select a region") + r"[^\n]*:.*?" + _NUMBER_PROMPT, re.DOTALL),
    # The SDK's validation messages: we only send answers it accepts, so one of these means we misread.
    Prompt.REJECTED: re.compile(
        _phrase("Please enter") + r" *(?:value|a valid number|'y'|a number between)[^\n]*"
    ),
    Prompt.OTHER_MENU: re.compile(_NUMBER_PROMPT),
    Prompt.OTHER_QUESTION: re.compile(r"[^\n]*" + _YES_NO + _PROMPT_END),
}
_ORDER: tuple[Prompt, ...] = tuple(PROMPTS)
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(PROMPTS.values())


class ChildExited(Exception):
    """The child closed its output before any pattern matched; `before()` holds what it printed."""


class ChildSilent(Exception):
    """The child printed nothing for the whole timeout; `before()` holds the unmatched output."""


class Driver(Protocol):
    def expect(self, patterns: Sequence[re.Pattern[str]], timeout: float) -> int:
        """Index of the earliest pattern found; raises ChildExited or ChildSilent (silence >= timeout)."""
        ...

    def before(self) -> str:
        """Text before the last match (CRLF -> LF, ANSI stripped)."""
        ...

    def match_text(self) -> str: ...

    def sendline(self, text: str, *, secret: bool = False) -> None:
        """Send an answer; `secret` answers wait for echo to be off and are never logged."""
        ...

    def wait(self) -> int:
        """Reap the child after EOF: its exit code, or minus the signal that killed it."""
        ...

    def interrupt(self) -> None: ...

    def kill_tree(self) -> None:
        """Kill the child and everything it started; safe to call more than once or after wait()."""
        ...


def normalise(text: str) -> str:
    """Output as a parser wants it: no colour or cursor codes, LF line ends."""
    return unify_line_ends(strip_escapes(text))


class _ReadClock:
    """Stands in for pexpect's `logfile_read` to learn when output arrives; the text itself is dropped."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def write(self, data: str) -> None:
        if data:
            self.last = time.monotonic()

    def flush(self) -> None:
        pass


def _kill_group(pid: int, sig: int) -> None:
    """Signal the child's process group (each driver makes the child the leader of its own group)."""
    if sys.platform == "win32":  # pragma: no cover - no process groups to signal there
        return
    # Already gone, or reaped with nothing left in its group: nothing to stop.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class _PexpectDriver:
    """What both drivers share: silence-based expect over a pexpect child, normalised text."""

    def __init__(self, child: Any) -> None:
        self._child = child
        self._clock = _ReadClock()
        child.logfile_read = self._clock
        self._reaped = False
        self._status = 0

    @property
    def pid(self) -> int:
        return int(self._child.pid)

    def expect(self, patterns: Sequence[re.Pattern[str]], timeout: float) -> int:
        import pexpect

        eof, silent = len(patterns), len(patterns) + 1
        pattern_list = [*patterns, pexpect.EOF, pexpect.TIMEOUT]
        asked = time.monotonic()
        while True:
            remaining = max(self._clock.last, asked) + timeout - time.monotonic()
            try:
                index = int(self._child.expect_list(pattern_list, timeout=max(remaining, 0.0)))
            except pexpect.ExceptionPexpect:
                # Its message carries the child's buffer; the caller reads before() instead.
                raise ChildExited() from None
            if index == eof:
                raise ChildExited()
            if index == silent:
                if time.monotonic() - max(self._clock.last, asked) < timeout:
                    continue  # output arrived during the wait, so the child is not silent yet
                raise ChildSilent()
            return index

    def before(self) -> str:
        before = self._child.before
        return normalise(before) if isinstance(before, str) else ""

    def match_text(self) -> str:
        after = self._child.after
        return normalise(after) if isinstance(after, str) else ""


class PtyDriver(_PexpectDriver):
    """`pexpect.spawn` on a pseudo-terminal: ibmcloud sees a terminal, as with a person typing (POSIX)."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        import pexpect

        if not hasattr(pexpect, "spawn"):
            raise errors.UsageError("the pty driver needs a POSIX system", hint=f"use {DRIVER_ENV}=pipe")
        try:
            child = pexpect.spawn(
                argv[0],
                list(argv[1:]),
                env=dict(env),
                # Echo stays ON, unlike pexpect's usual advice: only then can we see the child turn it off
                # for the hidden prompt (see sendline). With echo off from the start, an answer sent before
                # the child's own tcsetattr(TCSAFLUSH) - as getpass does - is silently discarded.
                echo=True,
                encoding="utf-8",
                codec_errors="replace",
                dimensions=_PTY_DIMENSIONS,
                timeout=None,
            )
        except pexpect.ExceptionPexpect:
            raise errors.CliNotFound(f"cannot start {argv[0]}") from None
        # pexpect's defaults sleep 50 ms before every send and 100 ms in close(); nothing here needs them.
        child.delaybeforesend = None
        child.delayafterread = None
        child.ptyproc.delayafterclose = 0
        child.ptyproc.delayafterterminate = 0.05
        super().__init__(child)

    def sendline(self, text: str, *, secret: bool = False) -> None:
        try:
            if secret:
                self._wait_for_no_echo()
            self._child.sendline(text)
        except OSError:
            pass  # the child is gone; the next expect reports its exit with its own message

    def _wait_for_no_echo(self) -> None:
        # pexpect's waitnoecho() polls every 100 ms, twice our whole latency budget. If echo never goes off
        # (a CLI that reads the code visibly), the code is sent anyway: the terminal's echo of it lands only
        # in our buffer, which is redacted and never shown or logged.
        import termios

        deadline = time.monotonic() + _NOECHO_WAIT
        try:
            while self._child.getecho() and time.monotonic() < deadline:
                time.sleep(_NOECHO_POLL)
        except (OSError, termios.error):
            pass  # the terminal went away with the child; the next expect reports that

    def wait(self) -> int:
        if not self._reaped:
            child = self._child
            with contextlib.suppress(Exception):
                child.wait()
            with contextlib.suppress(Exception):
                child.close(force=True)
            self._reaped = True
            if child.exitstatus is not None:
                self._status = int(child.exitstatus)
            else:
                self._status = -int(child.signalstatus or 0)
        return self._status

    def interrupt(self) -> None:
        if not self._reaped:
            _kill_group(self.pid, signal.SIGINT)

    def kill_tree(self) -> None:
        if self._reaped:
            return
        # ptyprocess forked the child into a new session, so its pid is also its process group id.
        _kill_group(self.pid, signal.SIGKILL)
        self.wait()


def _waiting_popen_spawn() -> Any:
    """PopenSpawn whose reads wait on its reader thread's queue instead of polling it.

    pexpect 4.9 polls: with its default pause every chunk costs nothing but a core spins while the user
    fetches the code; with a 10 ms pause the CPU rests but each of the dialogue's ~20 chunks waits up to
    10 ms. Waiting on the queue's condition gives both. It leans on PopenSpawn internals (`_read_queue`,
    `_buf`, `_read_reached_eof`), so it checks for them and otherwise behaves exactly like PopenSpawn.
    """
    from pexpect.popen_spawn import PopenSpawn

    class WaitingPopenSpawn(PopenSpawn):  # type: ignore[misc]  # pexpect has no type hints
        waits = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            queue = getattr(self, "_read_queue", None)
            self.waits = all(hasattr(self, a) for a in ("_buf", "_read_reached_eof")) and all(
                hasattr(queue, a) for a in ("not_empty", "queue")
            )

        def read_nonblocking(self, size: int, timeout: float | None) -> Any:
            if self.waits and not self._buf and not self._read_reached_eof and timeout is not None:
                wait = self.timeout if timeout == -1 else timeout
                queue = self._read_queue
                with queue.not_empty:
                    if not queue.queue and wait is not None and wait > 0:
                        queue.not_empty.wait(wait)
            return super().read_nonblocking(size, timeout)

    return WaitingPopenSpawn


class PipeDriver(_PexpectDriver):
    """`PopenSpawn`: pipes and a reader thread. ibmcloud then reads hidden answers as plain lines."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        spawn_class = _waiting_popen_spawn()
        extra: dict[str, Any] = {}
        if sys.platform != "win32":
            # A group of its own, so kill_tree reaches grandchildren. PopenSpawn passes preexec_fn but not
            # start_new_session; on Windows it already sets CREATE_NEW_PROCESS_GROUP itself.
            extra["preexec_fn"] = os.setsid
        try:
            child = spawn_class(
                list(argv), env=dict(env), encoding="utf-8", codec_errors="replace", timeout=None, **extra
            )
        except OSError as exc:
            raise errors.CliNotFound(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        # Reads that wait need no pause after them; polling reads without one would spin a core.
        child.delayafterread = None if child.waits else _PIPE_POLL
        super().__init__(child)

    def sendline(self, text: str, *, secret: bool = False) -> None:
        # A pipe has no echo to wait for; `secret` only promises the text is not logged, which holds here.
        # OSError: the child is gone; the next expect reports its exit with its own message.
        with contextlib.suppress(OSError):
            self._child.sendline(text)

    def wait(self) -> int:
        if not self._reaped:
            proc = self._child.proc
            self._status = int(proc.wait())
            self._reaped = True
            with contextlib.suppress(OSError):
                proc.stdin.close()
            reader = getattr(self._child, "_read_thread", None)
            if reader is not None:
                reader.join(timeout=1.0)
            # Closing the pipe under a reader still blocked in read() could hand it a reused descriptor.
            if reader is None or not reader.is_alive():
                with contextlib.suppress(OSError):
                    proc.stdout.close()
        return self._status

    def interrupt(self) -> None:
        if self._reaped:
            return
        if sys.platform == "win32":  # pragma: no cover
            # Go maps CTRL_BREAK to SIGINT too; CTRL_C cannot be aimed at one process group.
            self._child.proc.send_signal(signal.CTRL_BREAK_EVENT)
        else:
            _kill_group(self.pid, signal.SIGINT)

    def kill_tree(self) -> None:
        if self._reaped:
            return
        if sys.platform == "win32":  # pragma: no cover
            with contextlib.suppress(OSError):
                self._child.proc.kill()
        else:
            _kill_group(self.pid, signal.SIGKILL)
        self.wait()


def default_driver_kind(platform: str | None = None) -> DriverKind:
    """The pty where pexpect has one, pipes on Windows; OPENSCALE_CREDS_DRIVER=pty|pipe overrides."""
    wanted = os.environ.get(DRIVER_ENV, "").strip().lower()
    if wanted:
        return _checked_kind(wanted)
    if (platform or sys.platform) == "win32":
        return "pipe"
    if platform is None:
        import pexpect

        if not hasattr(pexpect, "spawn"):
            return "pipe"
    return "pty"


def _checked_kind(kind: str) -> DriverKind:
    for known in DRIVER_KINDS:
        if kind == known:
            return known
    raise errors.UsageError(f"unknown driver {kind!r}", hint=f"use one of: {', '.join(DRIVER_KINDS)}")


def make_driver(kind: DriverKind, argv: Sequence[str], env: Mapping[str, str]) -> Driver:
    if not argv:
        raise errors.UsageError("no ibmcloud command to run")
    if kind == "pty":
        return PtyDriver(argv, env)
    if kind == "pipe":
        return PipeDriver(argv, env)
    raise errors.UsageError(f"unknown driver {kind!r}", hint=f"use one of: {', '.join(DRIVER_KINDS)}")


@dataclass(frozen=True)
class SsoAnswers:
    """How the caller answers ibmcloud's questions."""

    open_browser: bool
    # Gets the passcode URL, returns the code: a hidden prompt or a stdin line is the caller's business.
    get_passcode: Callable[[str], str]
    choose_account: Callable[[list[AccountChoice]], AccountChoice]  # raise a CredsError to abort
    show: Callable[[str], None]  # progress and the passcode URL, for the user (stderr)


def select_account(choices: list[AccountChoice], wanted: str) -> AccountChoice:
    """The menu entry `wanted` names: a 32-hex account GUID exactly, or a name exactly but for case."""
    key = wanted.strip()
    if is_account_id(key):
        by_guid = [c for c in choices if c.account.guid.lower() == key.lower()]
        if by_guid:
            return by_guid[0]
    by_name = [c for c in choices if c.account.name.casefold() == key.casefold()]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise errors.Ambiguous(
            f"{len(by_name)} accounts are named {key!r}: {account_listing(by_name)}",
            hint="pass the account GUID instead",
        )
    raise errors.NotFound(
        f"no account matches {key!r}; ibmcloud offers: {account_listing(choices)}",
        hint="pass one of these names or GUIDs",
    )


def account_listing(choices: Sequence[AccountChoice]) -> str:
    """`Name (guid); ...`, for messages that list the menu's accounts."""
    return "; ".join(f"{c.account.name} ({c.account.guid})" for c in choices)


def run_sso_login(
    argv: Sequence[str],
    env: Mapping[str, str],
    answers: SsoAnswers,
    *,
    driver: str,
    timeout: float,
) -> str:
    """Drive `ibmcloud login --sso ...` (argv as the caller built it) to the end.

    Returns the child's output from the moment the code was sent (normalised, code removed), which ends in
    the target table. `driver` is "pty", "pipe" or "auto".
    """
    kind = default_driver_kind() if driver == "auto" else _checked_kind(driver)
    child = make_driver(kind, argv, _child_env(env, kind))
    try:
        return _Dialogue(child, answers, timeout).run()
    except KeyboardInterrupt:
        raise errors.Interrupted("interrupted; ibmcloud login was stopped") from None
    finally:
        # After a normal end this is a no-op; after a timeout, Ctrl-C or any error nothing may outlive us.
        child.kill_tree()


def _child_env(env: Mapping[str, str], kind: DriverKind) -> dict[str, str]:
    child_env = dict(env)
    # On a pty the CLI believes a person is watching and colours its prompts; the patterns cope, but plain
    # text is what the returned transcript's parser expects.
    child_env.setdefault("IBMCLOUD_COLOR", "false")
    if kind == "pty":
        # No cursor tricks or terminal queries from anything ibmcloud runs.
        child_env.setdefault("TERM", "dumb")
    return child_env


class _Step(enum.Enum):
    """Where the dialogue is, as a timeout message names it."""

    STARTING = "waiting for the one-time code prompt"
    CODE_SENT = "after sending the one-time code"
    ACCOUNT_CHOSEN = "after choosing the account"
    REGION_SKIPPED = "after skipping the region prompt"


class _Dialogue:
    def __init__(self, child: Driver, answers: SsoAnswers, timeout: float) -> None:
        self.child = child
        self.answers = answers
        self.timeout = timeout
        self.step = _Step.STARTING
        self.url: str | None = None
        self.code: str | None = None
        self.seen: list[str] = []
        self.transcript_from: int | None = None  # index into `seen` where the code had been sent

    def run(self) -> str:
        while True:
            try:
                index = self.child.expect(_PATTERNS, self.timeout)
            except ChildExited:
                self.seen.append(self.child.before())
                return self._finish()
            except ChildSilent:
                last = self._redact(self.child.before()).strip().rsplit("\n", 1)[-1].strip()
                raise errors.TimedOut(
                    f"ibmcloud login timed out {self.step.value}: no output for {self.timeout:g} s",
                    hint=f"its last output was {last[-160:]!r}" if last else None,
                ) from None
            match = self.child.match_text()
            self.seen.append(self.child.before() + match)
            self._answer(_ORDER[index], match)

    def _answer(self, prompt: Prompt, match: str) -> None:
        if prompt is Prompt.PASSCODE_URL:
            if self.url is None:
                self.url = match
                self.answers.show(f"Get a one-time code from {match}")
        elif prompt is Prompt.BROWSER:
            self.child.sendline("y" if self.answers.open_browser else "n")
        elif prompt is Prompt.CODE:
            self._send_code()
        elif prompt is Prompt.ACCOUNT_MENU:
            self._choose_account(match)
        elif prompt is Prompt.REGION_MENU:
            self.child.sendline("")  # an empty answer skips the region, as the menu itself says
            self.step = _Step.REGION_SKIPPED
        elif prompt is Prompt.REJECTED:
            raise errors.UnrecognisedOutput(
                f"ibmcloud login rejected an answer: {self._redact(match).strip()}"
            )
        else:
            question = self._redact(match).strip().rsplit("\n", 1)[-1]
            raise errors.UnrecognisedOutput(f"ibmcloud login asked an unexpected question: {question!r}")

    def _send_code(self) -> None:
        if self.code is not None:
            raise errors.NotLoggedIn(
                "ibmcloud login asked for the one-time code again: it did not accept the first one",
                hint="get a new one-time code and try again",
            )
        code = self.answers.get_passcode(self.url or FALLBACK_PASSCODE_URL).strip()
        if not code:
            raise errors.UsageError("the one-time code is empty")
        if any(c in code for c in "\r\n\x00"):
            raise errors.UsageError("the one-time code must be a single line")
        self.code = code
        self.transcript_from = len(self.seen)
        self.child.sendline(code, secret=True)
        self.step = _Step.CODE_SENT

    def _choose_account(self, menu: str) -> None:
        from openscale_creds.parsers.menu import parse_account_menu

        choices = parse_account_menu(menu)
        choice = self.answers.choose_account(choices)
        if choice not in choices:
            raise errors.UsageError(f"account {choice.account.name!r} is not one of the menu's entries")
        self.child.sendline(str(choice.number))
        self.step = _Step.ACCOUNT_CHOSEN

    def _finish(self) -> str:
        status = self.child.wait()
        output = self._redact("".join(self.seen))
        failure = find_failure(output)
        if failure is not None:
            what = "no reason given" if failure.message in FAILED_WORDS else failure.message
            if AUTH_FAILURE.search(what):
                hint = (
                    "a one-time code works once and expires after minutes; get a new one"
                    if self.code
                    else None
                )
                raise errors.NotLoggedIn(f"ibmcloud login failed: {what}", hint=hint)
            raise errors.CommandFailed(f"ibmcloud login failed: {what}")
        if status != 0:
            how = f"was killed by signal {-status}" if status < 0 else f"exited with code {status}"
            raise errors.CommandFailed(f"ibmcloud login {how} {self.step.value}")
        if self.code is None or self.transcript_from is None:
            raise errors.CommandFailed("ibmcloud login ended without asking for a one-time code")
        return self._redact("".join(self.seen[self.transcript_from :]))

    def _redact(self, text: str) -> str:
        code = self.code
        if not code:
            return text
        # The echo of a hidden answer would be a line of its own; drop it, then mask anything left.
        lines = [line for line in text.split("\n") if line.strip() != code]
        return "\n".join(lines).replace(code, "***")
