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

from ..errors import ParseError, adding
from ..models import ApiKey
from .api_key import key_from_json
from .common import open_output

COMMAND = "iam api-keys"


def parse_api_keys(text: str) -> tuple[ApiKey, ...]:
    """The JSON array `iam api-keys --output json` prints -> the keys, in its order."""
    output = open_output(text, COMMAND)
    if not output.is_json or not isinstance(output.value, list):
        raise ParseError(COMMAND, "expected a JSON array of API keys")
    keys = []
    for number, item in enumerate(output.value, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ParseError(COMMAND, f"entry {number} is not an API key object with a `name`")
        with adding(f" (entry {number})"):
            key = key_from_json(item, COMMAND)
        if key.id is None:
            raise ParseError(COMMAND, f"entry {number} ({key.name}) has no `id`")
        # The listing should never carry a value; one that does is not kept anywhere.
        keys.append(key.replace(apikey=None))
    return tuple(keys)
