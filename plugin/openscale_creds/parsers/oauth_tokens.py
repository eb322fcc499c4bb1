"""`ibmcloud iam oauth-tokens [--output json]` -> the IAM bearer token, without `Bearer ` (reference §5).

``IAM token:  Bearer eyJ...`` (text; an old `UAA token:` line may follow) or
``{"iam_token": "Bearer eyJ..."}`` (JSON) becomes ``"eyJ..."``. A bare token (what
`iam bearer-token` prints) is accepted too. Errors never quote a line of this output.
"""

from __future__ import annotations

from ..errors import ParseError
from .common import open_output, split_colon

COMMAND = "iam oauth-tokens"


def parse_oauth_tokens(text: str) -> str:
    """The IAM token from `iam oauth-tokens` output; ParseError when there is none."""
    output = open_output(text, COMMAND)
    if output.is_json:
        data = output.value
        if not isinstance(data, dict):
            raise ParseError(COMMAND, "expected a JSON object")
        value = data.get("iam_token")
        if not isinstance(value, str):
            raise ParseError(COMMAND, "the JSON object has no `iam_token` string")
        return _unbearer(value, None)
    for line in output.lines:
        pair = split_colon(line.text)
        if pair is not None and pair[0].casefold() == "iam token":
            return _unbearer(pair[1], line.lineno)
    raise ParseError(COMMAND, "no `IAM token:` line")


def _unbearer(value: str, lineno: int | None) -> str:
    parts = value.split()
    if len(parts) == 2 and parts[0].casefold() == "bearer":
        return parts[1]
    if len(parts) == 1 and parts[0].casefold() != "bearer":
        return parts[0]
    raise ParseError(COMMAND, "the IAM token is not `Bearer <token>`", lineno=lineno)
