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

Empty values: a description shown as `-` (text) or `""` (JSON) and a missing one are all None;
so is a key that is absent or empty (`--file` moves the key into the file; `iam api-keys` shows `""`).
`Locked` other than true/false is None. Errors never quote a line of this output: it holds a key.
"""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..models import ApiKey
from .common import empty_to_none, extract_json, find_failure, kv_rows, looks_like_json, numbered, strip_noise

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
    """The output of `iam api-key-create` (table or JSON) -> ApiKey; a `Name` is required."""
    lines = strip_noise(numbered(text))
    if not lines:
        raise ParseError(COMMAND, "the output is empty")
    if looks_like_json(lines):
        return api_key_from_json(extract_json(text, COMMAND))
    failure = find_failure(text)
    if failure is not None:
        raise ParseError(COMMAND, f"the command failed: {failure.message}")
    # Rows follow the warning when it is there; before it come sentences such as `API key NAME was created`.
    starts = [i for i, line in enumerate(lines) if line.text.startswith(_PRESERVE)]
    table = lines[starts[-1] + 1 :] if starts else lines
    rows, _ = kv_rows(table, colon=False)
    values: dict[str, str] = {}
    for row in rows:
        name = _KEYS.get(row.key.casefold())
        if name is None:
            continue
        if name in values and values[name] != row.value:
            raise ParseError(COMMAND, f"two different `{row.key}` rows", lineno=row.line.lineno)
        values[name] = row.value
    key_name = empty_to_none(values.get("name"))
    if key_name is None:
        raise ParseError(COMMAND, "no `Name` row in the key table (with --file the key goes to the file)")
    return ApiKey(
        name=key_name,
        id=empty_to_none(values.get("id")),
        apikey=empty_to_none(values.get("apikey")),
        description=empty_to_none(values.get("description")),
        created_at=empty_to_none(values.get("created_at")),
        locked=_bool(values.get("locked")),
    )


def api_key_from_json(data: Any) -> ApiKey:
    """One API-key object as `--output json` (and the `--file` key file) give it."""
    if not isinstance(data, dict):
        raise ParseError(COMMAND, "expected a JSON object")
    name = _text(data, "name")
    if name is None:
        raise ParseError(COMMAND, "the JSON object has no `name`")
    return ApiKey(
        name=name,
        id=_text(data, "id"),
        apikey=_text(data, "apikey"),
        description=_text(data, "description"),
        created_at=_text(data, "created_at"),
        locked=_bool(data.get("locked")),
    )


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(COMMAND, f"`{key}` is not a string")
    # Exactly as given: JSON has no padding to strip, and a name or description may end in a space.
    return value or None


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().casefold())
    return None
