"""The one place that decides whether a GUID, CRN or API key a parser is about to hand out is one.

Output whose rows look right but do not carry what the command must print is unrecognised output
(`ParseError`, exit 7), never a result: `setup` would write credentials for it.

* **GUID** (instance GUIDs, resource group IDs): hexadecimal digits, 16 to 40 of them, optionally in
  hyphen-separated groups. That takes the UUIDs of instances (8-4-4-4-12), the 32-digit account and group
  IDs, and the irregular forms real samples show (the 36-digit account ID of an old CLI, the 8-4-4-4-10
  GUID of the PostgreSQL doc sample, `fixtures/instance--postgres-doc-2023.out`); it refuses blanks, words
  and anything with spaces.
* **CRN**: `crn:v1:CNAME:CTYPE:SERVICE:LOCATION:SCOPE:INSTANCE[:...]` without spaces, with a service and
  an instance field.
* **API key**: present and not blank, never quoted in an error. Its form is IBM's business: a key is
  an opaque secret, and every credentials format carries any text exactly. **API key ID**: one word,
  when shown.
* **Redacted values** are accepted where a GUID or CRN field may stand, since documentation samples
  print them in place of the real thing: `SECRET`, `<redacted>` (any `<word>`), runs of `x`, and
  elisions (`fb6......e95`, `ApiKey-...`). A real `ibmcloud` never prints these, so they cannot hide a
  wrong answer from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from ..errors import ParseError
from ..rules import LazyPattern

_PLACEHOLDER = r"SECRET|<[^<>\s]+>|[xX]{4,}|[0-9a-fA-F]*\.{3,}[0-9a-fA-F]*"
_GUID = rf"[0-9a-fA-F](?:-?[0-9a-fA-F]){{15,39}}|{_PLACEHOLDER}"
_FIELD = r"[^\s:]*"
_CRN = rf"crn:v1:{_FIELD}:{_FIELD}:[^\s:]+:{_FIELD}:{_FIELD}:(?:[0-9a-fA-F-]+|{_PLACEHOLDER})(?::\S*)?"
# Compiled when first needed: nearly every value has the common form below.
_PATTERNS = {"GUID": LazyPattern(_GUID), "CRN": LazyPattern(_CRN)}
# What nearly every value is, matched four times faster than the whole rule (a listing has 100,000):
# a UUID or 32 digits; a CRN whose instance field is one.
_HEX = "[0-9a-fA-F]"
_UUID = rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}|{_HEX}{{32}}"
_COMMON = {"GUID": re.compile(_UUID)}
# A CRN with a UUID instance, for text known to hold no whitespace.
_PLAIN_CRN = re.compile(rf"crn:v1:[^:]*:[^:]*:[^:]+:[^:]*:[^:]*:(?:{_UUID})(?::.*)?")
KEY_ID = LazyPattern(r"\S+")

Kind = Literal["GUID", "CRN"]


def check(
    kind: Kind, value: str, what: str, command: str, *, line: str | None = None, lineno: int | None = None
) -> str:
    """`value` when it is a `kind` (see the module docstring); else ParseError naming `what` and the line."""
    if _PATTERNS[kind].fullmatch(value) is None:
        raise ParseError(command, f"{what} has a {kind} that is not one: {value!r}", line=line, lineno=lineno)
    return value


def first_invalid(kind: Kind, values: Sequence[str | None]) -> int | None:
    """The index of the first of `values` that is not a `kind`, None and "" counting as absent; None if all
    are. Taken in a few calls into C when, as nearly always, every value has the common form."""
    # Each distinct value once: a listing repeats its few resource group IDs on every row.
    present = [value for value in set(values) if value]
    if all_plain_crns(present) if kind == "CRN" else all_plain_guids(present):
        return None
    pattern = _PATTERNS[kind]
    return next((i for i, value in enumerate(values) if value and pattern.fullmatch(value) is None), None)


def all_plain_guids(values: Sequence[str]) -> bool:
    """Whether every one of `values` (strings) is a UUID or 32 hexadecimal digits: True means every one is
    a GUID; False means that some may not be (ask `first_invalid`)."""
    return all(map(_COMMON["GUID"].fullmatch, values))


def all_plain_crns(values: Sequence[str]) -> bool:
    """Whether every one of `values` (strings) is a CRN without whitespace whose instance field is a UUID
    or 32 hexadecimal digits: True means every one is a CRN; False that some may not be."""
    joined = "\n".join(values)
    # Without whitespace a CRN's fields are simply what lies between colons, which matches faster.
    plain = joined.isascii() and not any(space in joined for space in " \t\r\x0b\x0c")
    return plain and joined.count("\n") == len(values) - 1 and all(map(_PLAIN_CRN.fullmatch, values))


def api_key(value: str | None, command: str, *, lineno: int | None = None) -> str:
    """The key `api-key-create` printed; never quoted, not even in the error."""
    if value is None:
        raise ParseError(
            command,
            "no API key value in the output (with --file the key goes to the file)",
            lineno=lineno,
        )
    if not value.strip():
        raise ParseError(command, "the API key value is blank", lineno=lineno)
    return value


def key_id(value: str | None, command: str, *, lineno: int | None = None) -> str | None:
    """An API key's ID when shown (one word); None when not shown."""
    if value is not None and KEY_ID.fullmatch(value) is None:
        raise ParseError(command, f"the API key ID is not one word: {value!r}", lineno=lineno)
    return value
