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
unrecognised output, since the key exists only in it; without the key but with a name it is
`KeyValueMissing`, which carries the name and ID so that the key can be deleted. Errors never quote
a line of this output: it holds a key.
"""

from __future__ import annotations

from typing import Any

from ..errors import KeyValueMissing, ParseError
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
    key = ApiKey(
        name=key_name,
        id=validate.key_id(empty_to_none(values.get("id")), COMMAND, lineno=linenos.get("id")),
        apikey=empty_to_none(values.get("apikey")),
        description=empty_to_none(values.get("description")),
        created_at=empty_to_none(values.get("created_at")),
        locked=_bool(values.get("locked")),
    )
    return _with_value(key, linenos.get("apikey"))


def api_key_from_json(data: Any) -> ApiKey:
    """One API-key object as `--output json` (and the `--file` key file) give it; the key is required."""
    return _with_value(key_from_json(data, COMMAND))


def _with_value(key: ApiKey, lineno: int | None = None) -> ApiKey:
    """`key` when it carries its value; else `KeyValueMissing` holding the rest, so that whoever asked
    for the key can delete it by its ID (`workflow.keys.create_key`)."""
    try:
        validate.api_key(key.apikey, COMMAND, lineno=lineno)
    except ParseError as exc:
        shown = key.replace(apikey=None)
        raise KeyValueMissing(COMMAND, exc.reason, key=shown, lineno=lineno) from None
    return key


def key_from_json(data: Any, command: str) -> ApiKey:
    """One API-key object's fields, errors naming `command`; the key as given (None when absent or "").

    `iam api-keys` lists these objects with ``"apikey": ""``: only `api_key_from_json` requires a value.
    """
    if not isinstance(data, dict):
        raise ParseError(command, "expected a JSON object")
    name = _text(data, "name", command)
    if name is None:
        raise ParseError(command, "the JSON object has no `name`")
    return ApiKey(
        name=name,
        id=validate.key_id(_text(data, "id", command), command),
        apikey=_text(data, "apikey", command),
        description=_text(data, "description", command),
        created_at=_text(data, "created_at", command),
        locked=_bool(data.get("locked")),
    )


def _text(data: dict[str, Any], key: str, command: str) -> str | None:
    return json_text(data.get(key), f"`{key}`", command)


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().casefold())
    return None
