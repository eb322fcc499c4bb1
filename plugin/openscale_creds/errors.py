"""The one error hierarchy and the exit codes scripts rely on (listed in the README).

Every failure a user can cause is a `CredsError` carrying a one-line message that names the
cause and, in `hint`, the fix. Only `cli.main` turns these into exit codes. Messages never
carry a secret: code that raises them must not interpolate keys, codes or tokens. Code that knows
more than the raiser (which key is where) adds it with `adding`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ApiKey


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    CLI_NOT_FOUND = 3
    NOT_LOGGED_IN = 4
    NOT_FOUND = 5
    AMBIGUOUS = 6
    UNRECOGNISED_OUTPUT = 7
    COMMAND_FAILED = 8
    TIMEOUT = 9
    REFUSED = 10
    # `exec` only, as shells report them: the COMMAND cannot be run, or is not found.
    CANNOT_RUN = 126
    COMMAND_NOT_FOUND = 127
    INTERRUPTED = 130


class CredsError(Exception):
    """A failure with a user-facing one-line message and a documented exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(CredsError):
    exit_code = ExitCode.USAGE


class Unrepresentable(UsageError):
    """A value that a shell dialect or file format cannot carry exactly; refused, never written wrong."""


class CliNotFound(CredsError):
    exit_code = ExitCode.CLI_NOT_FOUND


class NotLoggedIn(CredsError):
    exit_code = ExitCode.NOT_LOGGED_IN


class NotFound(CredsError):
    exit_code = ExitCode.NOT_FOUND


class Ambiguous(CredsError):
    exit_code = ExitCode.AMBIGUOUS


class UnrecognisedOutput(CredsError):
    exit_code = ExitCode.UNRECOGNISED_OUTPUT
    # The raw output that could not be read, attached by the facade for the bug-report file.
    raw: str | None = None


class ParseError(UnrecognisedOutput):
    """A parser could not read `ibmcloud` output; names the command and the offending line."""

    def __init__(self, command: str, message: str, *, line: str | None = None, lineno: int | None = None):
        where = f" at line {lineno}" if lineno is not None else ""
        shown = f": {line.strip()[:120]!r}" if line is not None else ""
        super().__init__(f"cannot read `ibmcloud {command}` output{where}{shown}: {message}")
        self.command = command
        self.reason = message  # what was wrong, without the command and line it was found at
        self.line = line
        self.lineno = lineno


class KeyValueMissing(ParseError):
    """`iam api-key-create` answered without the new key's value: the key exists all the same. `key`
    is what the answer did say (its name, and its ID when shown, to delete it by); never a value."""

    def __init__(self, command: str, message: str, *, key: ApiKey, lineno: int | None = None):
        super().__init__(command, message, lineno=lineno)
        self.key = key


class CommandFailed(CredsError):
    exit_code = ExitCode.COMMAND_FAILED


class CommandRejected(CommandFailed):
    """`ibmcloud` refused its command line (`Incorrect Usage`): it sent no request anywhere."""


class TimedOut(CredsError):
    exit_code = ExitCode.TIMEOUT


class Refused(CredsError):
    exit_code = ExitCode.REFUSED


class CannotRun(CredsError):
    """`exec`: COMMAND exists but cannot be run (not executable, not a program)."""

    exit_code = ExitCode.CANNOT_RUN


class CommandNotFound(CredsError):
    """`exec`: COMMAND is not on PATH."""

    exit_code = ExitCode.COMMAND_NOT_FOUND


class Interrupted(CredsError):
    exit_code = ExitCode.INTERRUPTED


class ReaderGone(Exception):
    """The program reading our data on stdout has exited (`| head -1`): it took what it wanted, so
    `cli.main` ends the command quietly with 0. Not an OSError, which click would turn into exit 1.
    Output that holds a new key never raises this: losing that is `Refused`."""


@contextlib.contextmanager
def adding(
    note: str | Callable[[], str],
    *,
    unless: tuple[type[CredsError], ...] = (Interrupted,),
) -> Iterator[None]:
    """If the block fails with a `CredsError`, also say `note` (appended to its message).

    `note` may be a function, called only on failure (to clean up and say how it went). Errors of
    the `unless` types pass unchanged: by default an interrupt, after which nothing more should run.
    """
    try:
        yield
    except unless:
        raise
    except CredsError as exc:
        exc.message += note if isinstance(note, str) else note()
        raise
