"""`ibmcloud iam oauth-tokens [--output json]` -> the IAM bearer token, without `Bearer ` (reference §5).

``IAM token:  Bearer eyJ...`` (text; an old `UAA token:` line may follow) or
``{"iam_token": "Bearer eyJ..."}`` (JSON) becomes ``"eyJ..."``. A bare token (what
`iam bearer-token` prints) is accepted too. Errors never quote a line of this output.
"""

from __future__ import annotations

from ..errors import ParseError
from .common import extract_json, find_failure, looks_like_json, numbered, split_colon, strip_noise

COMMAND = "iam oauth-tokens"


def parse_oauth_tokens(text: str) -> str:
    """The IAM token from `iam oauth-tokens` output; ParseError when there is none."""
    lines = strip_noise(numbered(text))
    if not lines:
        raise ParseError(COMMAND, "the output is empty")
    if looks_like_json(lines):
        data = extract_json(text, COMMAND)
        if not isinstance(data, dict):
            raise ParseError(COMMAND, "expected a JSON object")
        value = data.get("iam_token")
        if not isinstance(value, str):
            raise ParseError(COMMAND, "the JSON object has no `iam_token` string")
        return _unbearer(value, None)
    for line in lines:
        pair = split_colon(line.text)
        if pair is not None and pair[0].casefold() == "iam token":
            return _unbearer(pair[1], line.lineno)
    failure = find_failure(text)
    if failure is not None:
        raise ParseError(COMMAND, f"the command failed: {failure.message}")
    raise ParseError(COMMAND, "no `IAM token:` line")


def _unbearer(value: str, lineno: int | None) -> str:
    parts = value.split()
    if len(parts) == 2 and parts[0].casefold() == "bearer":
        return parts[1]
    if len(parts) == 1 and parts[0].casefold() != "bearer":
        return parts[0]
    raise ParseError(COMMAND, "the IAM token is not `Bearer <token>`", lineno=lineno)
