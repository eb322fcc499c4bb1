"""The terminal side of the workflows: progress lines and messages on stderr, prompts, data on stdout.

Everything written to stderr is masked (`redact.mask`) and has its control characters escaped
(`redact.clean_for_terminal`): names and messages from servers and `ibmcloud` must not drive the
terminal. The progress marks (→ … ✓ ✗) fall back to ASCII (`->`, `...`, `ok`, `FAILED`) when `NO_COLOR`
is set, when stderr's encoding cannot carry them, or when the locale is plain C/POSIX (Python then
writes UTF-8 anyway, but the terminal was told to expect ASCII). `quiet` drops progress: step lines
and `info`; warnings, `notice`s (what the user must act on, such as the SSO code URL) and prompts stay.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, TextIO

from openscale_creds import redact
from openscale_creds.errors import ReaderGone, Refused, UsageError
from openscale_creds.workflow.ui import StepResult

if TYPE_CHECKING:
    from openscale_creds.models import AccountChoice


class Marks:
    """The progress marks (a plain class: nothing built at import)."""

    __slots__ = ("arrow", "ellipsis", "failed", "ok")

    def __init__(self, *, arrow: str, ellipsis: str, ok: str, failed: str) -> None:
        self.arrow = arrow
        self.ellipsis = ellipsis
        self.ok = ok
        self.failed = failed

    def __repr__(self) -> str:
        return (
            f"Marks(arrow={self.arrow!r}, ellipsis={self.ellipsis!r}, ok={self.ok!r}, failed={self.failed!r})"
        )


UNICODE_MARKS = Marks(arrow="→", ellipsis="…", ok="✓", failed="✗ failed")
ASCII_MARKS = Marks(arrow="->", ellipsis="...", ok="ok", failed="FAILED")


def choose_marks(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> Marks:
    """The progress marks `stream` (default: stderr) can show: Unicode, or ASCII when `NO_COLOR` is
    set (any non-empty value, as no-color.org says), when the stream's encoding cannot carry them
    (`PYTHONIOENCODING=ascii`, a legacy code page), or when the locale is plain `C`/`POSIX` and no
    `PYTHONIOENCODING` says otherwise."""
    stream = sys.stderr if stream is None else stream
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return ASCII_MARKS
    encoding = getattr(stream, "encoding", None) or "utf-8"
    sample = "".join((UNICODE_MARKS.arrow, UNICODE_MARKS.ellipsis, UNICODE_MARKS.ok, UNICODE_MARKS.failed))
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    if environ.get("PYTHONIOENCODING"):
        return UNICODE_MARKS  # an explicit choice, and it can carry them
    return ASCII_MARKS if _plain_c_locale(environ) else UNICODE_MARKS


_PLAIN = ("C", "POSIX")
# What Python's C-locale coercion (PEP 538) puts in LC_CTYPE when it starts under a plain C locale.
_COERCED = ("C.UTF-8", "C.utf8", "UTF-8")


def _plain_c_locale(environ: Mapping[str, str]) -> bool:
    if environ.get("LC_ALL"):
        return environ["LC_ALL"] in _PLAIN
    ctype, lang = environ.get("LC_CTYPE"), environ.get("LANG")
    if ctype and not (ctype in _COERCED and lang in _PLAIN):
        return ctype in _PLAIN
    return lang in _PLAIN


def emit(text: str, stream: TextIO | None = None) -> None:
    """Write data to stdout without ever crashing on a legacy code page.

    Data that the console encoding cannot carry (a non-ASCII instance name under cp1252, say) is
    written as UTF-8 bytes rather than replaced: credentials must never be written wrong. A stdout
    that cannot take the data (closed, full) is `Refused` (exit 10); a pipe whose reader has gone
    raises `ReaderGone`, which `cli.main` ends quietly (the reader took what it wanted: `| head -1`).
    """
    _deliver(text, stream, secret_hint=None)


def emit_secret(text: str, *, hint: str) -> None:
    """Write a new key's only copy to stdout, flushed; any failure, a reader that has gone included,
    is `Refused` so that the caller deletes the key. `hint` says where else the key could go."""
    _deliver(text, None, secret_hint=hint)


def check_stdout_for_secret(*, hint: str) -> None:
    """Refuse, before a key is created, a stdout that could not take it: closed, open read-only, a
    device that refuses every write (`/dev/full`), a pipe or socket whose reader has gone.

    A full disk, or a reader that leaves later, shows only when the key is written (`emit_secret`)."""
    out = sys.stdout
    if out is None:
        raise Refused("standard output is closed, so the new key would be lost", hint=hint)
    try:
        fd = out.fileno()
    except (OSError, ValueError):
        return  # not a file descriptor (an in-process test's buffer): nothing to probe
    try:
        out.flush()
        # A write of nothing: EBADF for a closed descriptor, ENOSPC from /dev/full; a pipe takes it.
        os.write(fd, b"")
    except OSError as exc:
        raise Refused(f"cannot write the new key to standard output: {_why(exc)}", hint=hint) from None
    if _reader_gone(fd):
        raise Refused(
            "cannot write the new key to standard output: the program reading it has exited", hint=hint
        )


def _reader_gone(fd: int) -> bool:
    """Whether `fd` is a pipe or socket whose reading end is closed (poll says POLLERR/POLLHUP)."""
    import select
    import stat

    if not hasattr(select, "poll"):
        return False  # Windows: found at write time
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return True
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))


def _why(exc: OSError) -> str:
    if isinstance(exc, BrokenPipeError):
        return "the program reading it has exited"
    if exc.errno == errno.EBADF:
        return "it is closed or open only for reading"
    return (exc.strerror or type(exc).__name__).lower()


def _deliver(text: str, stream: TextIO | None, *, secret_hint: str | None) -> None:
    out = stream or sys.stdout
    what = "the new key" if secret_hint is not None else "the output"
    if out is None:  # Python leaves sys.stdout None when the command started with stdout closed
        raise Refused(f"cannot write {what}: standard output is closed", hint=secret_hint)
    try:
        _write(out, text)
    except OSError as exc:
        abandon(out)
        if isinstance(exc, BrokenPipeError) and secret_hint is None:
            raise ReaderGone() from None
        raise Refused(f"cannot write {what} to standard output: {_why(exc)}", hint=secret_hint) from None


def _write(out: TextIO, text: str) -> None:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            out.flush()
            buffer.write(text.encode("utf-8"))
            buffer.flush()
            return
    out.write(text)
    out.flush()


def abandon(out: TextIO | None) -> None:
    """After a failed write, point the stream's descriptor at the null device and flush there: what is
    still buffered must not fail again when Python flushes at exit (that would print a second error
    and change the exit code to 120)."""
    if out is None:
        return
    with contextlib.suppress(OSError, ValueError):
        fd = out.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
        out.flush()


class TerminalUi:
    def __init__(
        self,
        *,
        passcode_stdin: bool = False,
        quiet: bool = False,
        platform: str = sys.platform,
        marks: Marks | None = None,
    ):
        self.passcode_stdin = passcode_stdin
        self.quiet = quiet
        self.platform = platform
        # sys.stdin is None when the command started with stdin closed (`<&-`).
        self.interactive = sys.stdin is not None and sys.stdin.isatty()
        self.marks = marks or choose_marks()
        self._line_open = False

    def _err(self, text: str) -> None:
        # A message that cannot be shown (stderr closed, full, or a pipe nobody reads) must not
        # change what the command does or the exit code that reports it.
        if sys.stderr is None:
            return
        try:
            sys.stderr.write(redact.for_terminal(text))
            sys.stderr.flush()
        except OSError:
            abandon(sys.stderr)

    def _close_line(self) -> None:
        if self._line_open:
            self._err("\n")
            self._line_open = False

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[StepResult]:
        res = StepResult()
        marks = self.marks
        opening = f"{marks.arrow} {what} {marks.ellipsis} "
        if not self.quiet:
            self._close_line()
            self._err(opening)
            self._line_open = True
        started = time.monotonic()
        try:
            yield res
        except BaseException:
            if not self.quiet:
                if not self._line_open:
                    self._err(opening)
                self._err(f"{marks.failed} ({time.monotonic() - started:.2f} s)\n")
                self._line_open = False
            raise
        if not self.quiet:
            if not self._line_open:
                self._err(opening)
            result = f"{res.result} " if res.result else ""
            self._err(f"{marks.ok} {result}({time.monotonic() - started:.2f} s)\n")
            self._line_open = False

    def info(self, message: str) -> None:
        """A progress or status line ("Credentials for X are in F"); `quiet` drops it."""
        if self.quiet:
            return
        self.notice(message)

    def notice(self, message: str) -> None:
        """A line the user must see even with `quiet`: what to do next (the SSO code URL)."""
        self._close_line()
        self._err(f"{message}\n")

    def log(self, line: str) -> None:
        """A `--verbose` line about an ibmcloud command."""
        self._close_line()
        self._err(f"[ibmcloud] {line}\n")

    def warn(self, message: str) -> None:
        self._close_line()
        self._err(f"warning: {message}\n")

    def read_passcode(self, url: str) -> str:
        """The one-time code for `url` (which the dialogue has already shown)."""
        if self.passcode_stdin:
            if sys.stdin is None:
                raise UsageError(
                    "--passcode-stdin: standard input is closed, so no one-time code can be read",
                    hint="pipe the code in",
                )
            line = sys.stdin.readline()
            code = line.strip()
            if not code:
                raise UsageError(
                    "--passcode-stdin: no one-time code on standard input", hint="pipe the code in"
                )
        else:
            if sys.stdin is None or not sys.stdin.isatty():
                hint = "pass --passcode-stdin and pipe the code in"
                if self.platform == "win32":
                    hint += ", or run under winpty (Git Bash/mintty give programs a pipe, not a console)"
                raise UsageError(
                    "standard input is not a terminal, so the one-time code cannot be read", hint=hint
                )
            import getpass

            try:
                code = getpass.getpass("One-time code (hidden): ", stream=sys.stderr).strip()
            except EOFError:
                code = ""
            if not code:
                raise UsageError("no one-time code was entered")
        redact.register(code)
        return code

    def choose_account(self, choices: list[AccountChoice]) -> AccountChoice:
        self.notice("Select an account:")
        for choice in choices:
            self._err(f"  {choice.number}. {choice.account.name} ({choice.account.guid})\n")
        while True:
            self._err("Enter a number: ")
            line = sys.stdin.readline() if sys.stdin is not None else ""
            if not line:
                raise UsageError("no account was chosen", hint="pass --account NAME_OR_ID")
            for choice in choices:
                if line.strip() == str(choice.number):
                    return choice
            self._err(f"Please enter a number between 1 and {len(choices)}.\n")
