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

import re
from collections.abc import Sequence
from typing import Any

from ..errors import ParseError
from ..models import ServiceInstance
from ..regions import service_url
from .common import (
    Line,
    crn_field,
    cut_row,
    empty_to_none,
    extract_json,
    find_failure,
    header_columns,
    kv_rows,
    looks_like_json,
    numbered,
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


def parse_instances(text: str) -> list[ServiceInstance]:
    """Any of the three shapes -> the instances in output order (possibly none)."""
    lines = strip_noise(numbered(text))
    if not lines:
        raise ParseError(COMMAND, "the output is empty")
    if looks_like_json(lines):
        return instances_from_json(extract_json(text, COMMAND))
    failure = find_failure(text)
    if failure is not None:
        raise ParseError(COMMAND, f"the command failed: {failure.message}")
    if _LIST_HEADER.match(lines[0].text):
        return parse_instance_list_table(text)
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
    """Table cells: padding is not part of a value, and `-` means none."""
    return {name: empty_to_none(value) for name, value in values.items()}


def _instance(
    values: dict[str, str | None], where: Line | None, label: str, *, guid_required: bool = True
) -> ServiceInstance:
    get = values.get

    def fail(message: str) -> ParseError:
        if where is None:
            return ParseError(COMMAND, f"{label} {message}")
        return ParseError(COMMAND, f"{label} {message}", line=where.text, lineno=where.lineno)

    name = get("name")
    crn = get("crn")
    guid = get("guid") or crn_field(crn, _CRN_GUID)
    if name is None:
        raise fail("has no name")
    if guid is None and guid_required:
        raise fail("has no GUID and no CRN")
    service_name = get("service_name") or crn_field(crn, _CRN_SERVICE)
    location = get("location")
    return ServiceInstance(
        name=name,
        guid=guid or "",
        crn=crn,
        location=location,
        service_name=service_name,
        plan=get("plan"),
        plan_id=get("plan_id"),
        resource_group=get("resource_group"),
        resource_group_id=get("resource_group_id"),
        state=get("state"),
        type=get("type"),
        created_at=get("created_at"),
        updated_at=get("updated_at"),
        url=service_url(location) if service_name == OPENSCALE_SERVICE else None,
    )


def parse_instance_list_table(text: str) -> list[ServiceInstance]:
    """The `service-instances` table -> instances with ``guid=""`` unless a GUID/CRN column is shown.

    A line with an empty `State` cell (or `Name` cell, in a table without `State`) continues the row
    above: the SDK's 2025 renderer wrapped long cells onto extra lines. Every instance has a state, and
    a state is too short to wrap. Wrapped pieces are joined with a space.
    """
    lines = strip_noise(numbered(text))
    if not lines or not _LIST_HEADER.match(lines[0].text):
        first = lines[0] if lines else Line(1, "")
        raise ParseError(
            LIST_COMMAND, "no `Name  Location ...` table header", line=first.text, lineno=first.lineno
        )
    columns = header_columns(lines[0].text)
    fields = [_LIST_COLUMNS.get(column.name.casefold()) for column in columns]
    anchor = fields.index("state") if "state" in fields else 0
    rows: list[tuple[Line, dict[str, str]]] = []
    for line in lines[1:]:
        cells = cut_row(columns, line.text)
        if cells[anchor]:
            rows.append((line, {field: cell for field, cell in zip(fields, cells, strict=True) if field}))
            continue
        if not rows:
            raise ParseError(
                LIST_COMMAND, "the first row continues nothing", line=line.text, lineno=line.lineno
            )
        previous = rows[-1][1]
        for field, cell in zip(fields, cells, strict=True):
            if field is not None and cell:
                previous[field] = f"{previous[field]} {cell}" if previous.get(field) else cell
    return [
        _instance(_text_values(values), line, "the table row", guid_required=False) for line, values in rows
    ]


def instances_from_json(data: Any) -> list[ServiceInstance]:
    """The resource-controller objects of `--output json` (an array; a lone object is accepted too)."""
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError(COMMAND, "expected a JSON array of instances")
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(COMMAND, f"item {index} of the JSON array is not an object")
        crn = _json_text(item, index, "crn") or _json_text(item, index, "id")
        values: dict[str, str | None] = {
            "name": _json_text(item, index, "name"),
            "guid": _json_text(item, index, "guid"),
            "crn": crn if crn is None or crn.startswith("crn:") else None,
            "location": _json_text(item, index, "region_id"),
            "service_name": _json_text(item, index, "service_name"),
            "plan": _json_text(item, index, "plan_name") or _json_text(item, index, "resource_plan_name"),
            "plan_id": _json_text(item, index, "resource_plan_id"),
            "resource_group": _json_text(item, index, "resource_group_name"),
            "resource_group_id": _json_text(item, index, "resource_group_id"),
            "state": _json_text(item, index, "state"),
            "type": _json_text(item, index, "type"),
            "created_at": _json_text(item, index, "created_at"),
            "updated_at": _json_text(item, index, "updated_at"),
        }
        result.append(_instance(values, None, f"item {index} of the JSON array"))
    return result


def _json_text(item: dict[str, Any], index: int, key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(COMMAND, f"`{key}` of item {index} of the JSON array is not a string")
    # Exactly as given: JSON has no padding to strip, and names may begin or end with spaces.
    return value or None
