"""`ibmcloud iam api-keys --output json` -> a tuple of `ApiKey` (reference §2.3).

The reference records only that the listing is "an array of the same objects" that
`iam api-key-create --output json` prints, each with ``"apikey": ""``::

    [
      {"id": "ApiKey-205dd46e-…", "name": "cpo.api.key", "description": "",
       "apikey": "", "locked": false, "created_at": "2020-08-14T10:15+0000", …}
    ]

becomes ``(ApiKey(name="cpo.api.key", id="ApiKey-205dd46e-…", apikey=None, description=None,
created_at="2020-08-14T10:15+0000", locked=False),)``. Unknown fields are ignored; an entry without
a `name` or an `id` (the id is what `api-key delete` and the profiles go by) is a `ParseError`. A
value in `apikey`, which the listing should never carry, is dropped, never kept.
"""

from __future__ import annotations

from ..errors import ParseError
from ..models import ApiKey
from .api_key import api_key_from_json
from .common import extract_json, find_failure, numbered, strip_noise

COMMAND = "iam api-keys"


def parse_api_keys(text: str) -> tuple[ApiKey, ...]:
    """The JSON array `iam api-keys --output json` prints -> the keys, in its order."""
    lines = strip_noise(numbered(text))
    if not lines:
        raise ParseError(COMMAND, "the output is empty")
    failure = find_failure(text)
    if failure is not None:
        raise ParseError(COMMAND, f"the command failed: {failure.message}")
    data = extract_json(text, COMMAND)
    if not isinstance(data, list):
        raise ParseError(COMMAND, "expected a JSON array of API keys")
    keys = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ParseError(COMMAND, f"entry {number} is not an API key object with a `name`")
        key = api_key_from_json(item, with_value=False)
        if key.id is None:
            raise ParseError(COMMAND, f"entry {number} ({key.name}) has no `id`")
        keys.append(key)
    return tuple(keys)
