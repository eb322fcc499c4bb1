"""The facts about `ibmcloud` output that more than one module relies on, each defined once.

Kept apart from `parsers` so that the facade, the workflows and the SSO dialogue can share them at the
cost of importing `re` alone. A pattern that most runs never use is a `LazyPattern`, compiled on first
use: every start pays for compiling a pattern at import, and `instance --field guid` runs in loops.
"""

from __future__ import annotations

import re
from collections.abc import Callable


class LazyPattern:
    """A regular expression compiled when first used (the `re.Pattern` methods the tool uses)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.compiled.sub(repl, text)


# `FAILED` and `OK` as the SDK prints them in each shipped translation (the confirmed translations in the
# behaviour reference: de_DE FEHLGESCHLAGEN, fr_FR ECHEC without an accent, ja_JP 失敗, zh_Hans 失败 / 确定).
FAILED_WORDS = frozenset({"FAILED", "FEHLGESCHLAGEN", "ECHEC", "失敗", "失败"})
OK_WORDS = frozenset({"OK", "确定"})

# CSI (colours, bold, cursor moves) and OSC (window titles, hyperlinks; ended by BEL or ST) sequences,
# then any other two-character escape. A lone ESC left over is dropped as well, so that stripping can
# never join two fragments into a new sequence and stripping stays idempotent.
_CSI = r"\x1b\[[0-?]*[ -/]*[@-~]"
# An OSC left unterminated ends at the line end, so it cannot swallow the rest of the output.
_OSC = r"\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
ESCAPES = LazyPattern(f"{_CSI}|{_OSC}|\\x1b[@-Z\\\\-_]|\\x1b")


def strip_escapes(text: str) -> str:
    """`text` without terminal escape sequences (colour, bold, cursor moves, titles, hyperlinks)."""
    return ESCAPES.sub("", text) if "\x1b" in text else text


def unify_line_ends(text: str) -> str:
    """CRLF and a lone CR (Windows consoles, progress lines) both end a line: LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


# An IBM Cloud account ID (what `login -c` takes, and what `Name (ID)` shows): 32 hexadecimal digits.
ACCOUNT_ID = LazyPattern(r"[0-9a-fA-F]{32}")


def is_account_id(text: str) -> bool:
    return ACCOUNT_ID.fullmatch(text) is not None


# What a command says when the session's IAM token has expired: logging in again and retrying helps
# (CPO matches `Login token is expired`, ocs-ci `Please login`).
SESSION_EXPIRED = LazyPattern(r"token is expired|please login|please log in", re.IGNORECASE)

# Messages after FAILED that mean a login itself was refused (exit 4), as opposed to a broken CLI,
# network or service (exit 8). "Unable to authenticate." is what a wrong key or a reused code produces.
AUTH_FAILURE = LazyPattern(
    r"authenticat|credential|passcode|one[- ]time|BXNIM\d|unauthori[sz]ed|not authori[sz]ed|invalid|"
    r"not valid|api[ -]?key|expired|rejected|not logged in",
    re.IGNORECASE,
)

# The resource-controller service name of Watson OpenScale (the 5th field of its instances' CRNs).
OPENSCALE_SERVICE = "aiopenscale"
