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

import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Cell text: words joined by single spaces; cells are separated by two or more spaces.
_CHUNK = re.compile(r"[^ ]+(?: [^ ]+)*")
# Splits a row into its ASCII stretches and, between them, its other characters one by one.
_SPLIT = re.compile(r"([^\x00-\x7f])")


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

# A rule set: (emoji width, ambiguous width). The first is how the current SDK prints under an English locale.
Reading = tuple[int, int]
READINGS: tuple[Reading, ...] = ((2, 1), (1, 1), (2, 2), (1, 2))
# Emoji that Unicode 9 made wide: the wide characters of the symbol blocks (U+2300-U+2BFF, U+1F000-U+1F1FF,
# U+1F300-U+1FAFF). U+1F200-U+1F2FF (enclosed ideographs) and the CJK blocks were wide before.
_EMOJI_BLOCKS = ((0x2300, 0x2BFF), (0x1F000, 0x1F1FF), (0x1F300, 0x1FAFF))
# A character that takes two columns under a reading is followed by this filler in the row laid out in
# display columns, so that character offsets there are display columns. NUL is never in printed output.
_FILL = "\0"


class _Widths:
    """What is known of the non-ASCII characters seen so far (each is looked up once)."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.zero: set[str] = set()  # combining marks, variation selectors, the zero-width joiner
        self.emoji: set[str] = set()
        self.ambiguous: set[str] = set()
        self.wide: dict[Reading, set[str]] = {reading: set() for reading in READINGS}  # two columns

    def learn(self, chars: set[str]) -> None:
        import unicodedata  # only rows with a non-ASCII character get here

        for char in chars - self.known:
            self.known.add(char)
            if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
                self.zero.add(char)
                continue
            width = unicodedata.east_asian_width(char)
            if width in ("W", "F"):
                emoji = any(low <= ord(char) <= high for low, high in _EMOJI_BLOCKS)
                if emoji:
                    self.emoji.add(char)
                wide = [reading for reading in READINGS if not emoji or reading[0] == 2]
            elif width == "A":
                self.ambiguous.add(char)
                wide = [reading for reading in READINGS if reading[1] == 2]
            else:
                wide = []
            for reading in wide:
                self.wide[reading].add(char)

    def readings(self, chars: set[str]) -> Iterator[Reading]:
        """The rule sets that lay out a row holding `chars` differently, in `READINGS` order; the others are
        worked out only when the first (the current SDK's, under which nearly every row lines up) fails."""
        first = READINGS[0]
        yield first
        emoji = not self.emoji.isdisjoint(chars)
        ambiguous = not self.ambiguous.isdisjoint(chars)
        for r in READINGS[1:]:
            if (emoji or r[0] == first[0]) and (ambiguous or r[1] == first[1]):
                yield r

    def lay_out(self, pieces: list[str], reading: Reading) -> str:
        """The row split by `_SPLIT`, each two-column character followed by the filler (no zero-width one)."""
        wide = self.wide[reading]
        return "".join([piece + _FILL if piece in wide else piece for piece in pieces])

    def extras(self, text: str, reading: Reading) -> list[tuple[int, int]]:
        """(index, columns beyond one) of each character of `text` that does not take one column."""
        wide = self.wide[reading]
        return [
            (i, -1 if char in self.zero else 1)
            for i, char in enumerate(text)
            if not char.isascii() and (char in self.zero or char in wide)
        ]


_WIDTHS = _Widths()


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
    inside it included. A row with non-ASCII text is laid out in display columns under each rule set
    (`READINGS`) and sliced under the first one whose cells each begin exactly at their column's start (else
    the first whose starts are blank). A row that lines up under none (the CLI's own README table is off by a
    space) is cut by runs of words: each run, placed in display columns by the current SDK's rules, goes to
    the last column starting at most `slack` after it; runs that fall in one column are joined by two
    spaces.
    """
    table = _Table([column.start for column in columns], slack)
    by_runs, cut_wide = table.by_runs, table.cut_wide
    if table.plain is None:
        return lambda text: cut_wide(text) if not text.isascii() else by_runs(text)
    # An ASCII row sliced at the column starts: this runs for every row of a listing, so it is a closure over
    # locals making a few calls into C (`_Slicer.cells`, inline). Padding adds no run, and makes a row whose
    # last cells are empty sliceable as well.
    plain, width = table.plain, table.width
    gaps_of, clear, cells_of = plain.gaps_of, plain.clear, plain.cells_of

    def cut(text: str) -> list[str]:
        if not text.isascii():
            return cut_wide(text)
        padded = text.ljust(width)
        if gaps_of(padded) == clear:
            return list(map(str.strip, cells_of(padded), itertools.repeat(" ")))
        return by_runs(text)

    return cut


class _Slicer:
    """Cuts a row at fixed character offsets (ascending, the first at least `reach`) in a few calls into C,
    when the `reach` places before each offset are blank, so that no cell runs across one."""

    __slots__ = ("cells_of", "clear", "gaps_of", "width")

    def __init__(self, offsets: Sequence[int], reach: int) -> None:
        self.width = offsets[-1]  # rows are padded to it: a row whose last cells are empty is sliced too
        self.gaps_of: Callable[[str], Any] = operator.itemgetter(*(slice(at - reach, at) for at in offsets))
        self.clear: Any = self.gaps_of(" " * self.width)  # a string for one gap, a tuple for several
        self.cells_of: Callable[[str], Any] = operator.itemgetter(
            *map(slice, [0, *offsets], [*offsets, None])
        )

    def cells(self, text: str) -> Sequence[str] | None:
        """The unstripped cells of `text`, or None when a cell runs across an offset."""
        padded = text.ljust(self.width)
        if self.gaps_of(padded) != self.clear:
            return None
        cells: Sequence[str] = self.cells_of(padded)
        return cells


def _flush(cells: Iterable[str]) -> bool:
    """Whether each cell begins exactly at its column's start (or is blank): the row lines up."""
    return all(cell[:1] != " " or not cell.strip(" ") for cell in cells)


def _lined_up(candidates: Iterable[Sequence[str] | None]) -> Sequence[str] | None:
    """The first cutting (one per reading, None where the row cannot be sliced) that lines up, else the
    first that could be sliced at all; None when none could. Later readings are cut only when needed."""
    fallback = None
    for cells in candidates:
        if cells is None:
            continue
        if _flush(cells):
            return cells
        fallback = fallback or cells
    return fallback


def _run_owners(starts: Sequence[int], slack: int) -> list[int]:
    """The column of a run of words starting at each position: the last one (in header order) that starts
    at most `slack` after it, else the first. From the last start on, that is the last column (not listed)."""
    latest = [0] * (max([*starts, slack]) - slack)
    for i, start in enumerate(starts):
        first = max(start - slack, 0)  # the first position the column owns
        if first < len(latest):
            latest[first] = i
    return list(itertools.accumulate(latest, max))


class _Table:
    """How the rows of one table are cut (see `row_cutter`), in the order of preference: sliced at the
    column starts (`plain`), sliced in display columns (`cut_wide`), cut by runs of words (`by_runs`)."""

    def __init__(self, starts: list[int], slack: int) -> None:
        self.inner = starts[1:]  # where the cells after the first begin
        self.width = starts[-1]  # the last start, which an ASCII row is padded to (`plain.width`)
        self.reach = max(slack, 2)
        self.last = len(starts) - 1
        self.owner = _run_owners(starts, slack)
        sliceable = len(starts) > 1 and starts == sorted(starts) and starts[1] >= self.reach
        self.plain = _Slicer(self.inner, self.reach) if sliceable else None
        self._shifted: dict[int, _Slicer | None] = {}

    def by_runs(self, text: str, extras: Sequence[tuple[int, int]] = ()) -> list[str]:
        """The fallback for a row that lines up under no reading: each run of words goes to the column that
        owns the display column it starts at (`extras`: see `_Widths.extras`); runs in one cell are joined
        by two spaces."""
        owner, last = self.owner, self.last
        cells = [""] * (last + 1)
        for match in _CHUNK.finditer(text):
            position = _display_column(extras, match.start()) if extras else match.start()
            index = owner[position] if position < len(owner) else last
            run = match.group()
            cells[index] = f"{cells[index]}  {run}" if cells[index] else run
        return cells

    def shifted(self, extra: int) -> _Slicer | None:
        """The slicer for a row whose later cells sit `extra` places left of the header (None when a column
        would start too early to slice there); one per distinct shift."""
        if extra not in self._shifted:
            moved = [start - extra for start in self.inner]
            ok = self.plain is not None and moved[0] >= self.reach
            self._shifted[extra] = _Slicer(moved, self.reach) if ok else None
        return self._shifted[extra]

    def cut_wide(self, text: str) -> list[str]:
        """A row holding a non-ASCII character: its characters' widths are looked up (once each), then the
        quickest cutting that applies is tried first."""
        chars = _SPLIT.findall(text)
        if not _WIDTHS.known.issuperset(chars):
            _WIDTHS.learn(set(chars))
        if _WIDTHS.zero.isdisjoint(chars):
            cells = self._cut_first_wide(text, chars)
            if cells is not None:
                return cells
            return self._cut_laid_out(text, set(chars))
        return self._cut_with_zero_width(text, list(_WIDTHS.readings(set(chars))))

    def _cut_first_wide(self, text: str, chars: list[str]) -> list[str] | None:
        """The cells of a row whose only non-ASCII characters are in its first cell and which lines up
        under the current SDK's rules: the rest of the row is ASCII, sliced as such once shifted. None
        otherwise. (Nearly every non-ASCII row of a listing is so: the name holds the wide characters.)"""
        extra = sum(map(_WIDTHS.wide[READINGS[0]].__contains__, chars))
        slicer = self.shifted(extra)
        if slicer is None or not text[self.inner[0] - extra - self.reach :].isascii():
            return None
        # `slicer.cells`, inline: this runs for nearly every non-ASCII row of a listing.
        padded = text.ljust(slicer.width)
        if slicer.gaps_of(padded) != slicer.clear:
            return None
        cells = slicer.cells_of(padded)
        if not _flush(cells):
            return None
        return list(map(str.strip, cells, itertools.repeat(" ")))

    def _cut_laid_out(self, text: str, chars: set[str]) -> list[str]:
        """A row without zero-width characters, laid out in display columns under each reading in turn
        (each two-column character followed by the filler, so that offsets are display columns)."""
        pieces = _SPLIT.split(text)
        plain = self.plain
        if plain is not None:
            cells = _lined_up(
                plain.cells(_WIDTHS.lay_out(pieces, reading)) for reading in _WIDTHS.readings(chars)
            )
            if cells is not None:
                return [cell.replace(_FILL, "").strip(" ") for cell in cells]
        return [cell.replace(_FILL, "") for cell in self.by_runs(_WIDTHS.lay_out(pieces, READINGS[0]))]

    def _cut_with_zero_width(self, text: str, readings: list[Reading]) -> list[str]:
        """A row holding a character of no width, which cannot be laid out column by column: the display
        columns of the starts are mapped to character offsets instead, under each reading in turn."""
        if self.plain is not None:
            cells = _lined_up(self._cells_at_columns(text, reading) for reading in readings)
            if cells is not None:
                return [cell.strip(" ") for cell in cells]
        return self.by_runs(text, _WIDTHS.extras(text, readings[0]))

    def _cells_at_columns(self, text: str, reading: Reading) -> list[str] | None:
        """The unstripped cells of `text` under `reading`, or None when a cell runs across a start."""
        offsets = _char_offsets(_WIDTHS.extras(text, reading), self.inner)
        if offsets is None:
            return None
        padded = text.ljust(offsets[-1])
        if any(padded[offset - self.reach : offset] != " " * self.reach for offset in offsets):
            return None
        return [padded[a:b] for a, b in zip([0, *offsets], [*offsets, None], strict=True)]
