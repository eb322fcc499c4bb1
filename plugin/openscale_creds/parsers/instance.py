"""`ibmcloud resource service-instance(s)` -> `list[ServiceInstance]` (reference §4.2, §4.5, §4.6).

Three shapes, told apart by their first line after the banners:

* JSON (`--output json`, always an array): resource-controller objects; `guid`, `crn` (or `id`),
  `name`, `region_id` -> location, `resource_plan_id` -> plan_id, `resource_group_id`, `state`, `type`,
  `created_at`, `updated_at`, and `resource_group_name` / `service_name` / `plan_name` if present.
* key/value blocks (`service-instance NAME`), one per instance, each starting at `Name:`::

      Name:                  openscale-1
      ID:                    crn:v1:bluemix:public:aiopenscale:us-south:a/0123...:4b5c...::
      GUID:                  4b5c...
      Location:              us-south
      Service Plan Name:     lite
      Last Operation:
                             Status    create succeeded

  The nested `Last Operation` rows are read past. Without a `GUID:` row the GUID is the CRN's 8th field.
* the list table (`service-instances`): `Name  Location  State  Type  [Resource Group ID]`, cut at
  the header's column starts. It shows no GUID: those instances have ``guid=""``.

`service_name` falls back to the CRN's 5th field. `url` is the OpenScale service URL of the location,
set only for `aiopenscale` instances (an OpenScale URL for a database instance would mislead).
`No service instance found`-style lines without a table give an empty list (wording unconfirmed).
JSON values are kept exactly (names may have outer spaces); table cells lose their padding, and `-`
or an empty cell is None.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from ..errors import ParseError
from ..models import INSTANCE_FIELDS, ServiceInstance
from ..regions import service_url
from .common import (
    Line,
    crn_field,
    extract_json,
    failure_in,
    gc_paused,
    header_columns,
    kv_rows,
    looks_like_json,
    normalised_lines,
    number,
    numbered,
    row_cutter,
    starts_like_json,
    strip_noise,
)

COMMAND = "resource service-instance"
LIST_COMMAND = "resource service-instances"
OPENSCALE_SERVICE = "aiopenscale"

_BLOCK_FIELDS = {
    "name": "name",
    "id": "crn",
    "guid": "guid",
    "location": "location",
    "service name": "service_name",
    "service plan name": "plan",
    "resource group name": "resource_group",
    "resource group id": "resource_group_id",
    "state": "state",
    "type": "type",
    "created at": "created_at",
    "updated at": "updated_at",
}
# Name/Location/State/Type/Resource Group ID are documented; the other names are accepted in case a
# longer listing shows them. Columns not named here (`Tags`) are ignored.
_LIST_COLUMNS = {
    "name": "name",
    "guid": "guid",
    "crn": "crn",
    "location": "location",
    "region": "location",
    "service name": "service_name",
    "plan": "plan",
    "service plan name": "plan",
    "resource group": "resource_group",
    "resource group name": "resource_group",
    "resource group id": "resource_group_id",
    "state": "state",
    "type": "type",
}
_LIST_HEADER = re.compile(r"^Name {2,}\S")
_NONE_FOUND = re.compile(r"^No .*\bfound\b", re.IGNORECASE)
# CRN fields: crn:v1:bluemix:public:SERVICE:LOCATION:a/ACCOUNT:GUID::
_CRN_SERVICE = 4
_CRN_GUID = 7
_NO_FIELDS: dict[str, str | None] = dict.fromkeys(INSTANCE_FIELDS)


def parse_instances(text: str) -> list[ServiceInstance]:
    """Any of the three shapes -> the instances in output order (possibly none)."""
    with gc_paused():
        if starts_like_json(text):
            return instances_from_json(extract_json(text, COMMAND))
        # Normalised and numbered once, for the failure check and whichever shape follows.
        texts = normalised_lines(text)
        lines = strip_noise(number(texts))
        if not lines:
            raise ParseError(COMMAND, "the output is empty")
        if looks_like_json(lines):
            return instances_from_json(extract_json(text, COMMAND))
        failure = failure_in(texts)
        if failure is not None:
            raise ParseError(COMMAND, f"the command failed: {failure.message}")
        if _LIST_HEADER.match(lines[0].text):
            return _from_table(lines)
        return _from_blocks(lines)


def _from_blocks(lines: Sequence[Line]) -> list[ServiceInstance]:
    rows, _ = kv_rows(lines)
    if not rows and _NONE_FOUND.match(lines[0].text):
        return []
    blocks: list[dict[str, str]] = []
    starts: list[Line] = []
    for row in rows:
        name = _BLOCK_FIELDS.get(row.key.casefold())
        if name is None:
            continue
        if name == "name" and (not blocks or "name" in blocks[-1]):
            blocks.append({})
            starts.append(row.line)
        if not blocks:
            raise ParseError(
                COMMAND,
                "a row comes before the first `Name:` row",
                line=row.line.text,
                lineno=row.line.lineno,
            )
        block = blocks[-1]
        if name in block and block[name] != row.value:
            raise ParseError(
                COMMAND,
                f"two different `{row.key}:` rows in one instance",
                line=row.line.text,
                lineno=row.line.lineno,
            )
        block[name] = row.value
    if not blocks:
        first = lines[0]
        raise ParseError(
            COMMAND, "no `Name:` row, JSON array or instance table", line=first.text, lineno=first.lineno
        )
    return [
        _instance(_text_values(block), start, "the instance")
        for block, start in zip(blocks, starts, strict=True)
    ]


def _text_values(values: dict[str, str]) -> dict[str, str | None]:
    """Cells -> every field of the model, in field order: padding is not part of a value, and `-` or
    nothing means none (`empty_to_none`, inlined: this runs for every cell of a listing)."""
    fields = _NO_FIELDS.copy()
    for name, value in values.items():
        text = value.strip()
        fields[name] = None if text in ("", "-") else text
    return fields


def _instance(
    fields: dict[str, str | None], where: Line | None, label: str, *, guid_required: bool = True
) -> ServiceInstance:
    """`fields` holds every field of the model in field order; the GUID, service name and URL are
    completed in it."""
    name = fields["name"]
    crn = fields["crn"]
    guid = fields["guid"] or crn_field(crn, _CRN_GUID)
    if name is None:
        raise _incomplete(where, label, "has no name")
    if guid is None and guid_required:
        raise _incomplete(where, label, "has no GUID and no CRN")
    service_name = fields["service_name"] or crn_field(crn, _CRN_SERVICE)
    fields["guid"] = guid or ""
    fields["service_name"] = service_name
    fields["url"] = service_url(fields["location"]) if service_name == OPENSCALE_SERVICE else None
    # Not `ServiceInstance(**fields)`: the generated `__init__` of a frozen dataclass sets each field
    # through `object.__setattr__`, a third of a long listing's parse. The model has no `__post_init__`
    # and no slots, so it is exactly its `__dict__` (test_perf_guards checks both, and that the two
    # ways give equal models).
    instance = object.__new__(ServiceInstance)
    instance.__dict__.update(fields)
    return instance


def _incomplete(where: Line | None, label: str, message: str) -> ParseError:
    if where is None:
        return ParseError(COMMAND, f"{label} {message}")
    return ParseError(COMMAND, f"{label} {message}", line=where.text, lineno=where.lineno)


def parse_instance_list_table(text: str) -> list[ServiceInstance]:
    """The `service-instances` table -> instances with ``guid=""`` unless a GUID/CRN column is shown.

    A line with an empty `State` cell (or `Name` cell, in a table without `State`) continues the row
    above: the SDK's 2025 renderer wrapped long cells onto extra lines. Every instance has a state, and
    a state is too short to wrap. Wrapped pieces are joined with a space.
    """
    with gc_paused():
        return _from_table(strip_noise(numbered(text)))


def _from_table(lines: Sequence[Line]) -> list[ServiceInstance]:
    if not lines or not _LIST_HEADER.match(lines[0].text):
        first = lines[0] if lines else Line(1, "")
        raise ParseError(
            LIST_COMMAND, "no `Name  Location ...` table header", line=first.text, lineno=first.lineno
        )
    columns = header_columns(lines[0].text)
    fields = [_LIST_COLUMNS.get(column.name.casefold()) for column in columns]
    anchor = fields.index("state") if "state" in fields else 0
    # The column each field is read from: the last of its columns (`Location` and `Region` both give the
    # location). A wrapped piece in any of them continues that one.
    source = {field: i for i, field in enumerate(fields) if field}
    wraps = [(i, source[field]) for i, field in enumerate(fields) if field]
    cut = row_cutter(columns)
    rows: list[tuple[Line, list[str]]] = []
    for line in itertools.islice(lines, 1, None):
        cells = cut(line.text)
        if cells[anchor]:
            rows.append((line, cells))
            continue
        if not rows:
            raise ParseError(
                LIST_COMMAND, "the first row continues nothing", line=line.text, lineno=line.lineno
            )
        previous = rows[-1][1]
        for i, into in wraps:
            if cells[i]:
                previous[into] = f"{previous[into]} {cells[i]}" if previous[into] else cells[i]
    result = []
    for line, cells in rows:
        # `_text_values`, read straight from the cells: this runs for every row of a listing.
        values = _NO_FIELDS.copy()
        for field, i in source.items():
            text = cells[i].strip()
            values[field] = None if text in ("", "-") else text
        result.append(_instance(values, line, "the table row", guid_required=False))
    return result


def instances_from_json(data: Any) -> list[ServiceInstance]:
    """The resource-controller objects of `--output json` (an array; a lone object is accepted too)."""
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError(COMMAND, "expected a JSON array of instances")
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(COMMAND, f"item {index} of the JSON array is not an object")
        raw = list(map(item.get, _JSON_KEYS))
        if _TEXT_TYPES.issuperset(map(type, raw)):
            # No value to refuse: all taken at once, without `_json_text`'s call and checks per key.
            values = _json_values({key: value or None for key, value in zip(_JSON_KEYS, raw, strict=True)})
        else:
            values = _checked_json_values(item, index)
        result.append(_instance(values, None, f"item {index} of the JSON array"))
    return result


# The keys an instance is read from, in the order `_checked_json_values` checks them.
_JSON_KEYS = (
    "crn",
    "id",
    "name",
    "guid",
    "region_id",
    "service_name",
    "plan_name",
    "resource_plan_name",
    "resource_plan_id",
    "resource_group_name",
    "resource_group_id",
    "state",
    "type",
    "created_at",
    "updated_at",
)
_TEXT_TYPES = frozenset({str, type(None)})
# `crn or id`, `plan_name or resource_plan_name`: the second key is read only when the first is empty.
_JSON_FALLBACKS = {"id": "crn", "resource_plan_name": "plan_name"}


def _json_values(texts: dict[str, str | None]) -> dict[str, str | None]:
    """The texts of `_JSON_KEYS` (empty ones None) -> every field of the model, in field order."""
    crn = texts["crn"] or texts["id"]
    return {
        "name": texts["name"],
        "guid": texts["guid"],
        "crn": crn if crn is None or crn.startswith("crn:") else None,
        "location": texts["region_id"],
        "service_name": texts["service_name"],
        "plan": texts["plan_name"] or texts["resource_plan_name"],
        "plan_id": texts["resource_plan_id"],
        "resource_group": texts["resource_group_name"],
        "resource_group_id": texts["resource_group_id"],
        "state": texts["state"],
        "type": texts["type"],
        "created_at": texts["created_at"],
        "updated_at": texts["updated_at"],
        "url": None,
    }


def _checked_json_values(item: dict[str, Any], index: int) -> dict[str, str | None]:
    """`_json_values` of an item with a value that is not a string: the first one read is refused (a
    fallback key is read only when the key before it gave nothing)."""
    texts: dict[str, str | None] = {}
    for key in _JSON_KEYS:
        first = _JSON_FALLBACKS.get(key)
        texts[key] = None if first is not None and texts[first] else _json_text(item, index, key)
    return _json_values(texts)


def _json_text(item: dict[str, Any], index: int, key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(COMMAND, f"`{key}` of item {index} of the JSON array is not a string")
    # Exactly as given: JSON has no padding to strip, and names may begin or end with spaces.
    return value or None
