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
  the header's column starts in display columns (`table.row_cutter`: East Asian wide characters take two).
  It shows no GUID: those instances have ``guid=""``, unless the caller needs GUIDs (`parse instance`,
  whose command prints them), when such a table is unrecognised output.

`service_name` falls back to the CRN's 5th field. `url` is the OpenScale service URL of the location,
set only for `aiopenscale` instances (an OpenScale URL for a database instance would mislead).
`No service instance found`-style lines without a table give an empty list (wording unconfirmed).
JSON values are kept exactly (names may have outer spaces); table cells lose their padding, and `-`
or an empty cell is None.

Every GUID, CRN and resource group ID handed out is checked by `validate` (hexadecimal GUIDs; the
redacted `SECRET` and the mangled 8-4-4-4-10 GUID of the doc samples in fixtures/ pass, blanks and words
do not): an instance without a usable GUID is a ParseError, never `guid: ""` from a command that prints one.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ParseError
from ..models import INSTANCE_FIELDS, ServiceInstance, instance_from_dict, instance_from_fields
from ..regions import service_url
from ..rules import OPENSCALE_SERVICE, LazyPattern
from . import validate
from .common import Line, crn_field, gc_paused, json_text, kv_rows, numbered, open_output, strip_noise

COMMAND = "resource service-instance"
LIST_COMMAND = "resource service-instances"

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
# A list table's header: `Name` first, and a `State` column (every listing shows one; see `_from_table`).
_LIST_HEADER = LazyPattern(r"^Name {2,}\S(?:.*\S)?  +State(?:  |$)")
_NONE_FOUND = LazyPattern(r"^No .*\bfound\b", re.IGNORECASE)
# CRN fields: crn:v1:bluemix:public:SERVICE:LOCATION:a/ACCOUNT:GUID::
_CRN_SERVICE = 4
_CRN_GUID = 7
_NO_FIELDS: dict[str, str | None] = dict.fromkeys(INSTANCE_FIELDS)


def parse_instances(text: str, *, need_guids: bool = False) -> list[ServiceInstance]:
    """Any of the three shapes -> the instances in output order (possibly none).

    With `need_guids`, a list table without a GUID or CRN column is unrecognised output too.
    """
    with gc_paused():
        output = open_output(text, COMMAND)
        if output.is_json:
            return instances_from_json(output.value)
        lines = output.lines
        if _LIST_HEADER.match(lines[0].text):
            return _from_table(lines, need_guids=need_guids)
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
    found = [
        _instance(_text_values(block), start, "the instance")
        for block, start in zip(blocks, starts, strict=True)
    ]
    return _check_identifiers(found, lambda i: (starts[i], "the instance"))


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
    completed in it. Its identifiers are checked afterwards, with all the others (`_check_identifiers`)."""
    name = fields["name"]
    crn = fields["crn"]
    if name is None:
        raise _incomplete(where, label, "has no name")
    guid = fields["guid"] or crn_field(crn, _CRN_GUID)
    if guid is None and guid_required:
        raise _incomplete(where, label, "has no GUID and no CRN")
    service_name = fields["service_name"] or crn_field(crn, _CRN_SERVICE)
    fields["guid"] = guid or ""
    fields["service_name"] = service_name
    fields["url"] = service_url(fields["location"]) if service_name == OPENSCALE_SERVICE else None
    return instance_from_fields(fields)


# What `validate` checks in every instance handed out, and as what.
_IDENTIFIERS: tuple[tuple[validate.Kind, str], ...] = (
    ("CRN", "crn"),
    ("GUID", "guid"),
    ("GUID", "resource_group_id"),
)


def _check_identifiers(
    instances: Sequence[ServiceInstance],
    where: Callable[[int], tuple[Line | None, str]],
    identifiers: Sequence[tuple[validate.Kind, str]] = _IDENTIFIERS,
) -> list[ServiceInstance]:
    """`instances`, once every GUID, CRN and group ID in them is one; `where(i)` gives the line and the
    label an error names for instance `i`. Checked all at once: a long listing has 100,000 of each."""
    for kind, name in identifiers:
        bad = validate.first_invalid(kind, list(map(operator.attrgetter(name), instances)))
        if bad is not None:
            line, label = where(bad)
            value = getattr(instances[bad], name)
            text, lineno = (line.text, line.lineno) if line is not None else (None, None)
            validate.check(kind, value, label, COMMAND, line=text, lineno=lineno)
    return list(instances)


def _incomplete(where: Line | None, label: str, message: str) -> ParseError:
    if where is None:
        return ParseError(COMMAND, f"{label} {message}")
    return ParseError(COMMAND, f"{label} {message}", line=where.text, lineno=where.lineno)


def parse_instance_list_table(text: str, *, need_guids: bool = False) -> list[ServiceInstance]:
    """The `service-instances` table -> instances with ``guid=""`` unless a GUID/CRN column is shown.

    A line with an empty `State` cell continues the row above: the SDK's 2025 renderer wrapped long cells
    onto extra lines. Every instance has a state, and a state is too short to wrap. Wrapped pieces are
    joined with a space.
    """
    with gc_paused():
        return _from_table(strip_noise(numbered(text)), need_guids=need_guids)


def _from_table(lines: Sequence[Line], *, need_guids: bool) -> list[ServiceInstance]:
    if not lines or not _LIST_HEADER.match(lines[0].text):
        first = lines[0] if lines else Line(1, "")
        raise ParseError(
            LIST_COMMAND, "no `Name  ...  State ...` table header", line=first.text, lineno=first.lineno
        )
    from .table import header_columns, row_cutter  # a JSON lookup never reads a table

    columns = header_columns(lines[0].text)
    fields = [_LIST_COLUMNS.get(column.name.casefold()) for column in columns]
    anchor = fields.index("state")
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
        result.append(_instance(values, line, "the table row", guid_required=need_guids))
    # Only what the table shows needs checking: most tables have no GUID or CRN column.
    shown = [
        (kind, name) for kind, name in _IDENTIFIERS if name in source or (name == "guid" and "crn" in source)
    ]
    return _check_identifiers(result, lambda i: (rows[i][0], "the table row"), shown)


def instances_from_json(data: Any) -> list[ServiceInstance]:
    """The resource-controller objects of `--output json` (an array; a lone object is accepted too)."""
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError(COMMAND, "expected a JSON array of instances")
    fast = _plain_json_instances(items)
    if fast is not None:
        return fast
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(COMMAND, f"item {index} of the JSON array is not an object")
        texts = list(map(item.get, _JSON_KEYS))
        if not _TEXT_TYPES.issuperset(map(type, texts)):
            texts = _checked_json_texts(item, index)
        result.append(_instance(_json_values(*texts), None, f"item {index} of the JSON array"))
    return _check_identifiers(result, lambda i: (None, f"item {i} of the JSON array"))


def _plain_json_instances(items: list[Any]) -> list[ServiceInstance] | None:
    """What the item-by-item way above gives, for the plain form every real listing has (objects whose
    values are strings or null, each with a name, a GUID and a CRN, every identifier in its common form),
    in one tight pass and a few calls into C per field; None for anything else, which the item-by-item way
    then reads (and words the error for). A long listing has 100,000 items: this keeps its parse near
    `json.loads` (bench/bench.py). One pass, item by item, because each item is touched once while its
    values are in the CPU cache; a pass per field would fetch every item from memory 15 times.
    """
    found: list[ServiceInstance] = []
    urls: dict[str | None, str | None] = {}
    for item in items:
        if item.__class__ is not dict:
            return None
        texts = tuple(map(item.get, _PLAIN_KEYS))
        if not _TEXT_TYPES.issuperset(map(type, texts)):
            return None
        crn, name, guid, location, service, plan, other_plan, *rest = texts
        if not (crn and name and guid):
            return None
        service = service or crn_field(crn, _CRN_SERVICE)
        if location not in urls:
            urls[location] = service_url(location)
        url = urls[location] if service == OPENSCALE_SERVICE else None
        fields = _plain_json_fields(name, guid, crn, location, service, plan or other_plan, rest, url)
        found.append(instance_from_dict(fields))
    return found if _all_plain_identifiers(found) else None


def _plain_json_fields(
    name: str,
    guid: str,
    crn: str,
    location: str | None,
    service_name: str | None,
    plan: str | None,
    rest: list[str | None],
    url: str | None,
) -> dict[str, str | None]:
    """The values of a plain item -> every field of the model, in field order ("" is None). `rest`:
    the values of `_JSON_KEYS` from `resource_plan_id` on."""
    plan_id, resource_group, resource_group_id, state, type, created_at, updated_at = rest
    return {
        "name": name,
        "guid": guid,
        "crn": crn,
        "location": location or None,
        "service_name": service_name,
        "plan": plan or None,
        "plan_id": plan_id or None,
        "resource_group": resource_group or None,
        "resource_group_id": resource_group_id or None,
        "state": state or None,
        "type": type or None,
        "created_at": created_at or None,
        "updated_at": updated_at or None,
        "url": url,
    }


def _all_plain_identifiers(instances: Sequence[ServiceInstance]) -> bool:
    """Whether every GUID and CRN in `instances` has its common form, and every resource group ID is
    a GUID (False: some may not be; `_check_identifiers` says which)."""
    guids: list[str] = list(map(operator.attrgetter("guid"), instances))
    crns: list[str] = list(map(operator.attrgetter("crn"), instances))
    groups = list(map(operator.attrgetter("resource_group_id"), instances))
    return (
        validate.all_plain_guids(guids)
        and validate.all_plain_crns(crns)
        and validate.first_invalid("GUID", groups) is None
    )


_DICT_TYPE = frozenset({dict})


# The keys an instance is read from, in the order `_checked_json_texts` checks them and `_json_values`
# takes them.
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
# What `_plain_json_instances` reads: an item in the plain form has a CRN, so its `id` is never read.
_PLAIN_KEYS = tuple(key for key in _JSON_KEYS if key != "id")
# `crn or id`, `plan_name or resource_plan_name`: the second key is read only when the first is empty.
_JSON_FALLBACKS = {"id": "crn", "resource_plan_name": "plan_name"}


def _json_values(
    crn: str | None,
    id: str | None,
    name: str | None,
    guid: str | None,
    region_id: str | None,
    service_name: str | None,
    plan_name: str | None,
    resource_plan_name: str | None,
    resource_plan_id: str | None,
    resource_group_name: str | None,
    resource_group_id: str | None,
    state: str | None,
    type: str | None,
    created_at: str | None,
    updated_at: str | None,
) -> dict[str, str | None]:
    """The texts of `_JSON_KEYS` -> every field of the model, in field order ("" is None)."""
    crn = crn or id or None
    return {
        "name": name or None,
        "guid": guid or None,
        "crn": crn if crn is None or crn.startswith("crn:") else None,
        "location": region_id or None,
        "service_name": service_name or None,
        "plan": plan_name or resource_plan_name or None,
        "plan_id": resource_plan_id or None,
        "resource_group": resource_group_name or None,
        "resource_group_id": resource_group_id or None,
        "state": state or None,
        "type": type or None,
        "created_at": created_at or None,
        "updated_at": updated_at or None,
        "url": None,
    }


def _checked_json_texts(item: dict[str, Any], index: int) -> list[str | None]:
    """The `_JSON_KEYS` values of an item, each a string or None: a value of another type is refused,
    the first one read (a fallback key is read only when the key before it gave nothing)."""
    texts: dict[str, str | None] = {}
    for key in _JSON_KEYS:
        first = _JSON_FALLBACKS.get(key)
        skipped = first is not None and texts[first]
        what = f"`{key}` of item {index} of the JSON array"
        texts[key] = None if skipped else json_text(item.get(key), what, COMMAND)
    return list(texts.values())
