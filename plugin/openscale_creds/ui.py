"""The terminal side of the workflows: progress lines and messages on stderr, prompts, data on stdout."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from openscale_creds import redact
from openscale_creds.errors import UsageError
from openscale_creds.models import AccountChoice
from openscale_creds.workflow import StepResult

CHECK, CROSS, ARROW = "✓", "✗", "→"


def emit(text: str, stream: TextIO | None = None) -> None:
    """Write data to stdout without ever crashing on a legacy code page.

    Data that the console encoding cannot carry (a non-ASCII instance name under cp1252, say) is
    written as UTF-8 bytes rather than replaced: credentials must never be written wrong.
    """
    out = stream or sys.stdout
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


class TerminalUi:
    def __init__(self, *, passcode_stdin: bool = False, quiet: bool = False, platform: str = sys.platform):
        self.passcode_stdin = passcode_stdin
        self.quiet = quiet
        self.platform = platform
        self.interactive = sys.stdin.isatty()
        self._line_open = False

    def _err(self, text: str) -> None:
        sys.stderr.write(redact.mask(text))
        sys.stderr.flush()

    def _close_line(self) -> None:
        if self._line_open:
            self._err("\n")
            self._line_open = False

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[StepResult]:
        res = StepResult()
        if not self.quiet:
            self._close_line()
            self._err(f"{ARROW} {what} … ")
            self._line_open = True
        started = time.monotonic()
        try:
            yield res
        except BaseException:
            if not self.quiet:
                if not self._line_open:
                    self._err(f"{ARROW} {what} … ")
                self._err(f"{CROSS} failed ({time.monotonic() - started:.2f} s)\n")
                self._line_open = False
            raise
        if not self.quiet:
            if not self._line_open:
                self._err(f"{ARROW} {what} … ")
            result = f"{res.result} " if res.result else ""
            self._err(f"{CHECK} {result}({time.monotonic() - started:.2f} s)\n")
            self._line_open = False

    def info(self, message: str) -> None:
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
            line = sys.stdin.readline()
            code = line.strip()
            if not code:
                raise UsageError(
                    "--passcode-stdin: no one-time code on standard input", hint="pipe the code in"
                )
        else:
            if not sys.stdin.isatty():
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
        self.info("Select an account:")
        for choice in choices:
            self._err(f"  {choice.number}. {choice.account.name} ({choice.account.guid})\n")
        while True:
            self._err("Enter a number: ")
            line = sys.stdin.readline()
            if not line:
                raise UsageError("no account was chosen", hint="pass --account NAME_OR_ID")
            for choice in choices:
                if line.strip() == str(choice.number):
                    return choice
            self._err(f"Please enter a number between 1 and {len(choices)}.\n")
