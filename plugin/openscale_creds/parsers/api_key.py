"""`ibmcloud iam api-key-create NAME [--output json]` -> `ApiKey` (reference §2.2, §2.3).

Text is a key/value table without colons, in three row orders and key sets over the years::

    Please preserve the API key! It cannot be retrieved after it's created.

    ID                   ApiKey-0000
    Name                 roachprod
    Description          -
    Locked               false
    Created At           2025-04-04T21:48+0000
    API Key              <the key>

becomes ``ApiKey(name="roachprod", id="ApiKey-0000", apikey="<the key>", description=None,
created_at="2025-04-04T21:48+0000", locked=False)``. `UUID` is the 2019 name of `ID`. JSON is one
object with `name`, `id`, `apikey`, `description`, `created_at`, `locked`.

Empty values: a description shown as `-` (text) or `""` (JSON) and a missing one are all None.
`Locked` other than true/false is None. A result must carry a name and the key itself
(`validate.api_key`): output without them (`--file` moved the key into a file, a cut-off table) is
unrecognised output, since the key exists only in it. Errors never quote a line of this output: it
holds a key.
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..models import ApiKey
from . import validate
from .common import empty_to_none, json_text, kv_rows, open_output

COMMAND = "iam api-key-create"

_KEYS = {
    "id": "id",
    "uuid": "id",
    "name": "name",
    "description": "description",
    "created at": "created_at",
    "api key": "apikey",
    "locked": "locked",
}
_PRESERVE = "Please preserve the API key"


def parse_api_key(text: str) -> ApiKey:
    """The output of `iam api-key-create` (table or JSON) -> ApiKey; a name and the key are required."""
    output = open_output(text, COMMAND)
    if output.is_json:
        return api_key_from_json(output.value)
    lines = output.lines
    # Rows follow the warning when it is there; before it come sentences such as `API key NAME was created`.
    starts = [i for i, line in enumerate(lines) if line.text.startswith(_PRESERVE)]
    table = lines[starts[-1] + 1 :] if starts else lines
    rows, _ = kv_rows(table, colon=False)
    values: dict[str, str] = {}
    linenos: dict[str, int] = {}
    for row in rows:
        name = _KEYS.get(row.key.casefold())
        if name is None:
            continue
        if name in values and values[name] != row.value:
            raise ParseError(COMMAND, f"two different `{row.key}` rows", lineno=row.line.lineno)
        values[name] = row.value
        linenos[name] = row.line.lineno
    key_name = empty_to_none(values.get("name"))
    if key_name is None:
        raise ParseError(COMMAND, "no `Name` row in the key table (with --file the key goes to the file)")
    return ApiKey(
        name=key_name,
        id=validate.key_id(empty_to_none(values.get("id")), COMMAND, lineno=linenos.get("id")),
        apikey=validate.api_key(empty_to_none(values.get("apikey")), COMMAND, lineno=linenos.get("apikey")),
        description=empty_to_none(values.get("description")),
        created_at=empty_to_none(values.get("created_at")),
        locked=_bool(values.get("locked")),
    )


def api_key_from_json(data: Any, *, with_value: bool = True) -> ApiKey:
    """One API-key object as `--output json` (and the `--file` key file) give it; `with_value=False`
    for a listing's object, whose `apikey` is empty (and dropped if not)."""
    if not isinstance(data, dict):
        raise ParseError(COMMAND, "expected a JSON object")
    name = _text(data, "name")
    if name is None:
        raise ParseError(COMMAND, "the JSON object has no `name`")
    return ApiKey(
        name=name,
        id=validate.key_id(_text(data, "id"), COMMAND),
        apikey=validate.api_key(_text(data, "apikey"), COMMAND) if with_value else None,
        description=_text(data, "description"),
        created_at=_text(data, "created_at"),
        locked=_bool(data.get("locked")),
    )


def _text(data: dict[str, Any], key: str) -> str | None:
    return json_text(data.get(key), f"`{key}`", COMMAND)


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().casefold())
    return None
