"""How a flow talks to the person: progress steps and messages (stderr), and the SSO prompts.

`openscale_creds.ui.TerminalUi` is the terminal implementation; tests use a recording one.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from openscale_creds.models import AccountChoice


class StepResult:
    """Filled in by a step so the progress line can show the result."""

    def __init__(self) -> None:
        self.result = ""


class Ui(Protocol):
    """Progress and messages on stderr, prompts on the terminal (also `ibmcloud.SsoPrompts`)."""

    interactive: bool

    def step(self, what: str) -> contextlib.AbstractContextManager[StepResult]: ...
    def info(self, message: str) -> None: ...
    def notice(self, message: str) -> None: ...  # shown even with --quiet (the SSO code URL)
    def warn(self, message: str) -> None: ...
    def read_passcode(self, url: str) -> str: ...
    def choose_account(self, choices: list[AccountChoice]) -> AccountChoice: ...
