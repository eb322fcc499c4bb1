"""Stages every parser shares: normalising raw `ibmcloud` output, dropping banners and notices,
finding JSON and failures, and splitting key/value and list tables.

Line numbers handed to `ParseError` count lines of the *normalised* text (CR and CRLF both end a line),
starting at 1, so they match what a user sees after `openscale-creds parse` echoes the input back.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ..errors import ParseError
from ..models import Account

# CSI (colours, bold, cursor moves) and OSC (window titles, hyperlinks; ended by BEL or ST) sequences,
# then any other two-character escape. A lone ESC left over is dropped as well, so that stripping
# can never join two fragments into a new sequence and `normalise` stays idempotent.
_CSI = r"\x1b\[[0-?]*[ -/]*[@-~]"
# An OSC left unterminated ends at the line end, so it cannot swallow the rest of the output.
_OSC = r"\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
_ESCAPES = re.compile(f"{_CSI}|{_OSC}|\\x1b[@-Z\\\\-_]|\\x1b")
_BOM = "\ufeff"

# `FAILED` as the SDK prints it in each shipped translation (reference §6 table).
FAILED_WORDS = frozenset({"FAILED", "FEHLGESCHLAGEN", "ECHEC", "失敗", "失败"})
OK_WORDS = frozenset({"OK", "确定"})

_PROGRESS = re.compile(
    r"^(?:Retrieving|Creating|Authenticating|Logging in|Invoking|Getting|Updating|Deleting|Targeting"
    r"|Loading)\b.*\.\.\.$"
)
_NOTICE = re.compile(
    r"^(?:New version \S+ is available\.|Release notes: .*|TIP: use '[^']*config --check-version=false'.*)$"
)
_ACCOUNT = re.compile(r"^(?P<name>.*?) \((?P<guid>[^\s()]+)\)(?: <-> (?P<ims>\S+))?$")
_GAP = re.compile(r" {2,}")
# Cell text: words joined by single spaces; cells are separated by two or more spaces.
_CHUNK = re.compile(r"[^ ]+(?: [^ ]+)*")
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
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
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


@dataclass(frozen=True)
class Failure:
    """What a `FAILED` banner or an `Incorrect Usage` line says went wrong."""

    kind: FailureKind
    message: str


# Messages after FAILED that mean a login itself was refused (exit 4), as opposed to a broken CLI,
# network or service (exit 8). "Unable to authenticate." is what a wrong key or a reused code produces.
AUTH_FAILURE = re.compile(
    r"authenticat|credential|passcode|one[- ]time|BXNIM\d|unauthori[sz]ed|not authori[sz]ed|invalid|"
    r"not valid|api[ -]?key|expired|rejected|not logged in",
    re.IGNORECASE,
)
_NOT_LOGGED_IN = re.compile(r"not logged in|please log ?in|login token is expired|\blog in\b", re.IGNORECASE)
_NOT_FOUND = re.compile(
    r"not found|no resource group found|could not get resource group|no resources found",
    re.IGNORECASE,
)
_NOT_REGISTERED = re.compile(r"^'.*' is not a registered command\b")


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


# --- key/value tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A key/value row; `sub` holds the indented lines that continue it (nested tables such as
    `Last Operation`), each split like a colon-less row: (key, value)."""

    key: str
    value: str
    line: Line
    sub: tuple[tuple[str, str], ...] = ()


def split_colon(text: str) -> tuple[str, str] | None:
    """`Key:   value` -> (key, value) at the first colon; None for a line without one."""
    key, sep, value = text.partition(":")
    if not sep or not key.strip():
        return None
    return key.strip(), value.strip()


def split_gap(text: str) -> tuple[str, str] | None:
    """`Key Words   value` -> (key, value) at the first run of two or more spaces; None without one."""
    stripped = text.strip()
    parts = _GAP.split(stripped, maxsplit=1)
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


# --- list tables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    start: int


def header_columns(header: str) -> list[Column]:
    """Column names and start offsets of a header line; names may contain single spaces."""
    return [Column(m.group(0), m.start()) for m in _CHUNK.finditer(header)]


def cut_row(columns: Sequence[Column], text: str, *, slack: int = 2) -> list[str]:
    """Cut a row into cells at the header's column starts.

    Cells are separated by at least two spaces, so each run of text is given to the column whose
    start is at or just before it; `slack` absorbs a header that is off by a space or two, as in the
    CLI's own README. Runs that fall in one column are joined by two spaces. Cells that receive no text
    are empty strings.
    """
    return row_cutter(columns, slack=slack)(text)


def row_cutter(columns: Sequence[Column], *, slack: int = 2) -> Callable[[str], list[str]]:
    """`cut_row` for the rows of one table, with the arithmetic on the header done once."""
    starts = [column.start for column in columns]
    last = len(starts) - 1
    # The column of a run starting at each position: the last one (in header order) that starts at most
    # `slack` after it, else the first. From the last start on, that is the last column.
    latest = [0] * (max([*starts, slack]) - slack)
    for i, start in enumerate(starts):
        first = max(start - slack, 0)  # the first position the column owns
        if first < len(latest):
            latest[first] = i
    owner = list(itertools.accumulate(latest, max))

    def by_runs(text: str) -> list[str]:
        cells = [""] * len(starts)
        for match in _CHUNK.finditer(text):
            position = match.start()
            index = owner[position] if position < len(owner) else last
            run = match.group()
            cells[index] = f"{cells[index]}  {run}" if cells[index] else run
        return cells

    # A run starting up to `slack` places before a column start belongs to that column. When the `reach`
    # places before each start are all spaces (`slack` of them, and two at least: a run crosses single
    # spaces only), no run starts there and none runs across, so slicing the row at the column starts
    # cuts it as the runs would: a few calls into C instead of a match, a lookup and a string per run.
    reach = max(slack, 2)
    if len(starts) < 2 or starts != sorted(starts) or starts[1] < reach:
        return by_runs
    width = starts[-1]
    gaps_of = operator.itemgetter(*(slice(start - reach, start) for start in starts[1:]))
    clear = gaps_of(" " * width)  # a string for one gap, a tuple for several, as gaps_of gives them
    cells_of = operator.itemgetter(*map(slice, [0, *starts[1:]], [*starts[1:], None]))

    def cut(text: str) -> list[str]:
        # Padding adds no run, and makes a row whose last cells are empty sliceable as well.
        padded = text.ljust(width)
        if gaps_of(padded) == clear:
            cells = list(map(str.strip, cells_of(padded), itertools.repeat(" ")))
            # Runs within a cell are joined by exactly two spaces; slicing would keep a wider gap.
            if "   " not in "\n".join(cells):
                return cells
        return by_runs(text)

    return cut


# --- values -----------------------------------------------------------------------------------------------


def parse_account(text: str) -> Account | None:
    """`Name (guid) <-> 1234567` -> Account; None when the text is not in that form.

    The GUID is normally 32 hex digits, but old and redacted transcripts show other forms
    (`80d297103c56406aa783749878e0e465b9bf`, `fb6......e95`, `xxxxxxxxxxxxxxxx`); those are returned
    as they are, since only the CLI knows what it meant.
    """
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
    fields = crn.split(":")
    return (fields[index].strip() or None) if index < len(fields) else None
