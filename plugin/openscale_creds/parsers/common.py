"""Stages every parser shares: normalising raw `ibmcloud` output, dropping banners and notices,
finding JSON and failures (all four behind `open_output`, the opening of every parser), reading JSON
strings, and splitting key/value tables. List tables are cut in `table` (re-exported here); what counts
as a GUID, CRN or key is decided in `validate`; the facts about the CLI's words live in `..rules`.

Line numbers handed to `ParseError` count lines of the *normalised* text (CR and CRLF both end a line),
starting at 1, so they match what a user sees after `openscale-creds parse` echoes the input back.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..errors import ParseError
from ..rules import AUTH_FAILURE as AUTH_FAILURE  # re-exported: the facade imports it from here
from ..rules import FAILED_WORDS, OK_WORDS, SESSION_EXPIRED, LazyPattern, strip_escapes

if TYPE_CHECKING:
    from ..models import Account
    from .table import Column as Column  # re-exported: list tables are one of the shared stages
    from .table import cut_row as cut_row
    from .table import header_columns as header_columns
    from .table import row_cutter as row_cutter

_TABLE_NAMES = ("Column", "cut_row", "header_columns", "row_cutter")


def __getattr__(name: str) -> Any:
    # The list-table stage is imported when first asked for: a JSON listing never needs it.
    if name in _TABLE_NAMES:
        from . import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_BOM = "\ufeff"

_PROGRESS = re.compile(
    r"^(?:Retrieving|Creating|Authenticating|Logging in|Invoking|Getting|Updating|Deleting|Targeting"
    r"|Loading)\b.*\.\.\.$"
)
_NOTICE = re.compile(
    r"^(?:New version \S+ is available\.|Release notes: .*|TIP: use '[^']*config --check-version=false'.*)$"
)
# Compiled when first used: a lookup never reads an account or a key/value table.
_ACCOUNT = LazyPattern(r"^(?P<name>.*?) \((?P<guid>[^\s()]+)\)(?: <-> (?P<ims>\S+))?$")
_GAP = LazyPattern(r" {2,}")
_JSON_LINE = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)
_JSON_ANYWHERE = re.compile(r"[\[{]")


class Line(NamedTuple):
    """One line of normalised output and its 1-based line number."""

    lineno: int
    text: str


def normalise(text: str) -> str:
    """Strip escapes and BOMs, turn CRLF and lone CR into LF, drop trailing whitespace on every line."""
    return "\n".join(normalised_lines(text))


def normalised_lines(text: str) -> list[str]:
    """The lines of `normalise(text)`, without joining them only to split them again."""
    # A stage runs only when the text holds what it removes: a 100,000-row listing has no escape, CR or
    # BOM, and each stage would otherwise copy all of it.
    text = strip_escapes(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if _BOM in text:
        return [line.lstrip(_BOM).rstrip() for line in lines]
    return list(map(str.rstrip, lines))


def numbered(text: str) -> list[Line]:
    """The lines of `normalise(text)`, numbered from 1."""
    return number(normalised_lines(text))


def number(lines: Iterable[str]) -> list[Line]:
    """Normalised lines, numbered from 1."""
    return [Line(i, line) for i, line in enumerate(lines, start=1)]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (it nests: only the outermost one re-enables).

    Parsing a long listing allocates hundreds of thousands of objects and frees almost none, so the
    collector would run again and again, over a growing heap, for nothing: a third of a 100,000-instance
    parse. Reference counting still frees everything that is not in a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_progress(line: str) -> bool:
    return bool(_PROGRESS.match(line))


def strip_noise(lines: Iterable[str | Line]) -> list[Line]:
    """Drop blank lines, the leading progress/`OK` banners and a trailing new-version notice.

    Takes normalised lines (plain strings are numbered from 1). Blank lines are never data in
    `ibmcloud` tables (an all-empty header row renders as one), so they go everywhere.
    """
    items = [item if isinstance(item, Line) else Line(i, item) for i, item in enumerate(lines, start=1)]
    kept = [line for line in items if line.text.strip()]
    start = 0
    while start < len(kept) and (is_progress(kept[start].text) or kept[start].text.strip() in OK_WORDS):
        start += 1
    end = len(kept)
    while end > start and _NOTICE.match(kept[end - 1].text):
        end -= 1
    return kept[start:end]


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def extract_json(text: str, command: str = "--output json") -> Any:
    """The JSON value that starts at the first line beginning with `[` or `{` (else at the first
    bracket anywhere).

    Prose such as `OK` may precede it and a version notice may follow it. Errors give the line number
    only, never the line: JSON output can carry a key or a token.
    """
    if not ("\x1b" in text or "\r" in text or _BOM in text):
        # Without escapes, CRs and BOMs, normalising only drops whitespace before line ends, which JSON
        # that decodes cannot hold in a string (a string cannot span lines): decoding the text as it is
        # gives the same value without copying all of it (megabytes for a long listing). Anything else,
        # errors included, takes the normalised way below, which words them.
        match = _JSON_LINE.search(text) or _JSON_ANYWHERE.search(text)
        if match is not None:
            with contextlib.suppress(RecursionError, ValueError):
                return json.JSONDecoder().raw_decode(text, match.end() - 1)[0]
    clean = normalise(text)
    match = _JSON_LINE.search(clean) or _JSON_ANYWHERE.search(clean)
    if match is None:
        raise ParseError(command, "no JSON value in the output")
    start = match.end() - 1
    try:
        value, _ = json.JSONDecoder().raw_decode(clean, start)
    except RecursionError:
        raise ParseError(command, "JSON nested too deeply", lineno=_line_of(clean, start)) from None
    except ValueError as exc:  # JSONDecodeError, and int() refusing a number with thousands of digits
        where = getattr(exc, "pos", start)
        raise ParseError(command, "JSON is malformed or truncated", lineno=_line_of(clean, where)) from None
    return value


def looks_like_json(lines: Sequence[Line]) -> bool:
    """Whether the first line after the banners starts a JSON value."""
    return bool(lines) and lines[0].text.lstrip()[:1] in ("[", "{")


_HEAD = 4096


def starts_like_json(text: str) -> bool:
    """`looks_like_json(strip_noise(numbered(text)))`, read from the first 4 kB only; False when those
    do not hold a whole first line after the banners (then ask `looks_like_json` of the whole text).

    What decides is the first line after the banners, and banners are a few short lines, so a long
    JSON listing is not split and numbered line by line just to see its first bracket.
    """
    if len(text) <= _HEAD:
        return looks_like_json(strip_noise(numbered(text)))
    head = strip_noise(numbered(text[:_HEAD]))
    # Only the last line of the head can differ from the whole text's (cut mid-line, mid-escape or
    # between CR and LF); with a line after it, the first one is whole.
    return len(head) > 1 and looks_like_json(head)


FailureKind = Literal["failed", "usage", "not_found", "not_logged_in"]


class Failure:
    """What a `FAILED` banner or an `Incorrect Usage` line says went wrong.

    Failure, Output and Row are plain classes: a dataclass or NamedTuple is built at import, and every
    start of `instance --field guid` imports this module."""

    __slots__ = ("kind", "message")

    def __init__(self, kind: FailureKind, message: str) -> None:
        self.kind = kind
        self.message = message

    def __repr__(self) -> str:
        return f"Failure(kind={self.kind!r}, message={self.message!r})"


# Read only from a failed command's output.
_NOT_LOGGED_IN = LazyPattern(rf"{SESSION_EXPIRED.pattern}|not logged in|\blog in\b", re.IGNORECASE)
_NOT_FOUND = LazyPattern(
    r"not found|no resource group found|could not get resource group|no resources found",
    re.IGNORECASE,
)
_NOT_REGISTERED = LazyPattern(r"^'.*' is not a registered command\b")


def find_failure(text: str) -> Failure | None:
    """The first failure the output reports, classified; None when it reports none.

    `FAILED` / `BSS Account '...' was not found.` -> Failure("not_found", "BSS Account '...' was not found.");
    `Incorrect Usage: flag needs an argument: -apikey` -> Failure("usage", that line).
    The kind is read from the lines after the banner up to the next blank line.
    """
    return failure_in(normalised_lines(text))


def failure_in(lines: Sequence[str]) -> Failure | None:
    """`find_failure` of text already split into normalised lines."""
    stripped = list(map(str.strip, lines))
    # A failure line is a FAILED word, or holds one of two phrases: both are looked for in all lines at
    # once, far cheaper than matching line by line through a long listing that has none.
    if FAILED_WORDS.isdisjoint(stripped):
        joined = "\n".join(stripped)
        if "Incorrect Usage" not in joined and "' is not a registered command" not in joined:
            return None
    for i, line in enumerate(stripped):
        if line.startswith("Incorrect Usage") or _NOT_REGISTERED.match(line):
            return Failure("usage", line)
        if line in FAILED_WORDS:
            block: list[str] = []
            for following in stripped[i + 1 :]:
                if not following:
                    if block:
                        break
                    continue
                block.append(following)
            # `Could not get resource group:` is a heading; the reason is on the lines after it.
            heading = 0
            while heading + 1 < len(block) and block[heading].endswith(":"):
                heading += 1
            message = " ".join(block[: heading + 1]) if block else line
            return Failure(_classify(message, " ".join(block)), message)
    return None


def _classify(message: str, block: str) -> FailureKind:
    if message.startswith("Incorrect Usage") or _NOT_REGISTERED.match(message):
        return "usage"
    if _NOT_LOGGED_IN.search(block):
        return "not_logged_in"
    if _NOT_FOUND.search(block):
        return "not_found"
    return "failed"


# --- the opening every parser shares ------------------------------------------------------------------------


class Output:
    """Output as `open_output` hands it to a parser: either a decoded JSON value or text lines."""

    __slots__ = ("command", "failure", "is_json", "lines", "value")

    def __init__(
        self,
        command: str,
        lines: list[Line],
        is_json: bool = False,
        value: Any = None,
        failure: Failure | None = None,
    ) -> None:
        self.command = command
        self.lines = lines  # normalised and numbered, banners and notices dropped; [] when read as JSON
        self.is_json = is_json
        self.value = value  # the JSON value, when `is_json`
        self.failure = failure  # what a `FAILED` or `Incorrect Usage` in the text said

    def raise_failure(self) -> None:
        """ParseError when the text reports a failure: a failed command's output is no result."""
        if self.failure is not None:
            raise ParseError(self.command, f"the command failed: {self.failure.message}")


def open_output(text: str, command: str, *, failure_ok: bool = False) -> Output:
    """The opening of every parser: normalise, drop banners and notices, refuse empty output, decode the
    JSON value when the first line left starts one, else find any reported failure and raise it (unless
    `failure_ok`: the parser decides, as `target` does for `Not logged in.`).

    A long JSON listing is recognised from its first 4 kB and decoded as it is, never split into lines.
    """
    if len(text) > _HEAD and starts_like_json(text):
        return Output(command, [], True, extract_json(text, command))
    texts = normalised_lines(text)
    lines = strip_noise(number(texts))
    if not lines:
        raise ParseError(command, "the output is empty")
    if looks_like_json(lines):
        return Output(command, lines, True, extract_json(text, command))
    output = Output(command, lines, failure=failure_in(texts))
    if not failure_ok:
        output.raise_failure()
    return output


def json_text(value: Any, what: str, command: str) -> str | None:
    """A JSON string value exactly as given (JSON has no padding to strip, and names may begin or end
    with spaces); None for null or ""; ParseError naming `what` for anything but a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(command, f"{what} is not a string")
    return value or None


# --- key/value tables -------------------------------------------------------------------------------------


class Row:
    """A key/value row; `sub` holds the indented lines that continue it (nested tables such as
    `Last Operation`), each split like a colon-less row: (key, value)."""

    __slots__ = ("key", "line", "sub", "value")

    def __init__(self, key: str, value: str, line: Line, sub: tuple[tuple[str, str], ...] = ()) -> None:
        self.key = key
        self.value = value
        self.line = line
        self.sub = sub

    def __repr__(self) -> str:
        return f"Row(key={self.key!r}, value={self.value!r}, line={self.line!r}, sub={self.sub!r})"


def split_colon(text: str) -> tuple[str, str] | None:
    """`Key:   value` -> (key, value) at the first colon; None for a line without one."""
    key, sep, value = text.partition(":")
    if not sep or not key.strip():
        return None
    return key.strip(), value.strip()


def split_gap(text: str) -> tuple[str, str] | None:
    """`Key Words   value` -> (key, value) at the first run of two or more spaces; None without one."""
    stripped = text.strip()
    parts = _GAP.compiled.split(stripped, maxsplit=1)
    if len(parts) != 2:
        return None
    return parts[0], parts[1]


def kv_rows(lines: Sequence[Line], *, colon: bool = True) -> tuple[list[Row], list[Line]]:
    """Split table lines into rows and the lines that are not rows (sentences, sentinels).

    Lines that start with whitespace continue the row above (`Last Operation:` and its indented
    `Status    create succeeded` rows). With `colon=False` (the `api-key-create` table) keys and values
    are separated by a run of spaces instead of a colon.
    """
    rows: list[Row] = []
    other: list[Line] = []
    for line in lines:
        text = line.text
        if not text.strip():
            continue
        if text[:1].isspace() and rows:
            last = rows[-1]
            sub = split_gap(text) or (text.strip(), "")
            rows[-1] = Row(last.key, last.value, last.line, (*last.sub, sub))
            continue
        pair = split_colon(text) if colon else split_gap(text)
        if pair is None:
            other.append(line)
        else:
            rows.append(Row(pair[0], pair[1], line))
    return rows, other


# --- values -----------------------------------------------------------------------------------------------


def parse_account(text: str) -> Account | None:
    """`Name (guid) <-> 1234567` -> Account; None when the text is not in that form.

    The GUID is normally 32 hex digits, but old and redacted transcripts show other forms
    (`80d297103c56406aa783749878e0e465b9bf`, `fb6......e95`, `xxxxxxxxxxxxxxxx`); those are returned
    as they are, since only the CLI knows what it meant.
    """
    from ..models import Account

    match = _ACCOUNT.match(text.strip())
    if match is None or not match.group("name").strip():
        return None
    return Account(match.group("name").strip(), match.group("guid"), match.group("ims"))


def empty_to_none(value: str | None) -> str | None:
    """The CLI shows a missing value as nothing or as `-`."""
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "-") else value


def crn_field(crn: str | None, index: int) -> str | None:
    """Field `index` (0-based) of a CRN `crn:v1:bluemix:public:SERVICE:LOCATION:a/ACCOUNT:GUID::`."""
    if not crn or not crn.startswith("crn:"):
        return None
    fields = crn.split(":", index + 1)  # no further than the field asked for
    return (fields[index].strip() or None) if index < len(fields) else None
