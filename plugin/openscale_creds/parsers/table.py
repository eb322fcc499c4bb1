"""List tables (`service-instances`): rows cut at the header's column starts, counted in display columns.

How the SDK prints a table (IBM-Cloud/ibm-cloud-cli-sdk, `bluemix/terminal/table.go`): every cell but the
last is padded to its column's widest cell, measured with go-runewidth after removing colours, and followed by
three spaces. So every cell starts at its header's offset *in display columns*, where an East Asian wide
character counts two: a cell holding k wide characters moves the rest of its row k characters left of the
header. Emoji count two in current SDK releases and one in older ones (a 2015 go-runewidth, before Unicode 9
made them wide); ambiguous-width characters (Greek, Cyrillic, é, ★, №) count two when the printing locale was
CJK. Which rules printed a table is not said anywhere in it, so each row is read under each rule set until
its cells line up with the header (`row_cutter`).

Widths come from the Unicode database in the standard library (`unicodedata.east_asian_width`: the property
go-runewidth itself reads, with its ambiguous class, which `wcwidth` does not expose), looked up only for rows
that hold a non-ASCII character: a long ASCII listing never pays for it.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Cell text: words joined by single spaces; cells are separated by two or more spaces.
_CHUNK = re.compile(r"[^ ]+(?: [^ ]+)*")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Column:
    name: str
    start: int


def header_columns(header: str) -> list[Column]:
    """Column names and start offsets of a header line; names may contain single spaces."""
    return [Column(m.group(0), m.start()) for m in _CHUNK.finditer(header)]


def cut_row(columns: Sequence[Column], text: str, *, slack: int = 2) -> list[str]:
    """Cut a row into cells at the header's column starts (`row_cutter` for one row)."""
    return row_cutter(columns, slack=slack)(text)


# --- display widths ---------------------------------------------------------------------------------------

# What a character adds to a row's width beyond the one column a character is counted as, by rule set:
# (emoji width, ambiguous width). The first is how the current SDK prints under an English locale.
Reading = tuple[int, int]
READINGS: tuple[Reading, ...] = ((2, 1), (1, 1), (2, 2), (1, 2))
_ZERO, _NARROW, _WIDE, _EMOJI, _AMBIGUOUS = range(5)
# Emoji that Unicode 9 made wide: the wide characters of the symbol blocks (U+2300-U+2BFF, U+1F000-U+1F1FF,
# U+1F300-U+1FAFF). U+1F200-U+1F2FF (enclosed ideographs) and the CJK blocks were wide before.
_EMOJI_BLOCKS = ((0x2300, 0x2BFF), (0x1F000, 0x1F1FF), (0x1F300, 0x1FAFF))


@functools.cache
def _kind(char: str) -> int:
    import unicodedata  # only rows with a non-ASCII character get here

    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return _ZERO  # combining marks, variation selectors, the zero-width joiner
    width = unicodedata.east_asian_width(char)
    if width in ("W", "F"):
        code = ord(char)
        return _EMOJI if any(low <= code <= high for low, high in _EMOJI_BLOCKS) else _WIDE
    return _AMBIGUOUS if width == "A" else _NARROW


def _extra(kind: int, reading: Reading) -> int:
    """Columns beyond one that a character of `kind` takes under `reading`."""
    if kind == _NARROW:
        return 0
    if kind == _ZERO:
        return -1
    if kind == _WIDE:
        return 1
    return (reading[0] if kind == _EMOJI else reading[1]) - 1


def _readings(text: str) -> list[list[tuple[int, int]]]:
    """For each distinct reading of `text`, in `READINGS` order: (index, extra columns) of each character
    that does not take exactly one column."""
    marks = [(m.start(), _kind(m.group())) for m in _NON_ASCII.finditer(text)]
    kinds = {kind for _, kind in marks}
    chosen = [
        r
        for r in READINGS
        # Rule sets that read this row alike are tried once: the emoji rule only matters with an emoji...
        if (_EMOJI in kinds or r[0] == READINGS[0][0]) and (_AMBIGUOUS in kinds or r[1] == READINGS[0][1])
    ]
    return [[(i, e) for i, kind in marks if (e := _extra(kind, r))] for r in chosen]


def _char_offsets(extras: Sequence[tuple[int, int]], columns: Sequence[int]) -> list[int] | None:
    """The character index where each display column in `columns` (ascending) begins; None when a wide
    character covers one of them (the row cannot be cut there under this reading)."""
    offsets = []
    shift = 0  # display column minus character index, for the characters passed so far
    k = 0
    for column in columns:
        while k < len(extras) and extras[k][0] + shift < column:
            index, extra = extras[k]
            if index + shift + 1 + extra > column:
                return None
            shift += extra
            k += 1
        offsets.append(column - shift)
    return offsets


def _display_column(extras: Sequence[tuple[int, int]], index: int) -> int:
    return index + sum(extra for i, extra in extras if i < index)


# --- cutting ----------------------------------------------------------------------------------------------


def row_cutter(columns: Sequence[Column], *, slack: int = 2) -> Callable[[str], list[str]]:
    """A function that cuts a row of this table into cells (empty cells are "").

    A row is sliced at the column starts when the `reach` columns before each start (`slack`, two at least)
    are blank, so no cell runs across one: each cell is then exactly what was printed there, runs of spaces
    inside it included. A row with non-ASCII text is measured in display columns under each rule set
    (`READINGS`), and sliced under the first one whose cells each begin exactly at their column's start (else
    the first whose starts are blank). A row that lines up under none (the CLI's own README table is off by a
    space) is cut by runs of words: each run, counted in display columns under the current SDK's rules, goes
    to the last column starting at most `slack` after it; runs that fall in one column are joined by two
    spaces.
    """
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

    def by_runs(text: str, extras: Sequence[tuple[int, int]] = ()) -> list[str]:
        cells = [""] * len(starts)
        for match in _CHUNK.finditer(text):
            position = _display_column(extras, match.start()) if extras else match.start()
            index = owner[position] if position < len(owner) else last
            run = match.group()
            cells[index] = f"{cells[index]}  {run}" if cells[index] else run
        return cells

    reach = max(slack, 2)
    if len(starts) < 2 or starts != sorted(starts) or starts[1] < reach:
        return lambda text: by_runs(text, _readings(text)[0] if not text.isascii() else ())
    width = starts[-1]
    inner = starts[1:]
    blank = " " * reach

    def sliced(text: str, offsets: Sequence[int]) -> list[str] | None:
        """The cells between character `offsets` when the `reach` characters before each are blank."""
        padded = text.ljust(offsets[-1])
        if any(padded[offset - reach : offset] != blank for offset in offsets):
            return None
        bounds = [0, *offsets]
        return [padded[a:b] for a, b in zip(bounds, [*offsets, None], strict=True)]

    # The ASCII row, sliced in a few calls into C: its character offsets are the header's.
    gaps_of = operator.itemgetter(*(slice(start - reach, start) for start in inner))
    clear = gaps_of(" " * width)  # a string for one gap, a tuple for several, as gaps_of gives them
    cells_of = operator.itemgetter(*map(slice, [0, *inner], [*inner, None]))

    def cut_wide(text: str) -> list[str]:
        fallback = None
        readings = _readings(text)
        for extras in readings:
            offsets = _char_offsets(extras, inner)
            pieces = None if offsets is None else sliced(text, offsets)
            if pieces is None:
                continue
            if all(piece[:1] != " " or not piece.strip(" ") for piece in pieces):
                return [piece.strip(" ") for piece in pieces]
            fallback = fallback or pieces
        if fallback is not None:
            return [piece.strip(" ") for piece in fallback]
        return by_runs(text, readings[0])

    def cut(text: str) -> list[str]:
        if not text.isascii():
            return cut_wide(text)
        # Padding adds no run, and makes a row whose last cells are empty sliceable as well.
        padded = text.ljust(width)
        if gaps_of(padded) == clear:
            return list(map(str.strip, cells_of(padded), itertools.repeat(" ")))
        return by_runs(text)

    return cut
