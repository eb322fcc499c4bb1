"""Masking of secrets in anything the tool prints or saves.

Secrets the tool handles (API keys, one-time codes, bearer tokens) are registered here the moment
they are known; `mask` then replaces them, and anything shaped like a secret in `ibmcloud` output,
before text reaches stderr, a `--verbose` log or a saved debug file.
"""

from __future__ import annotations

import re

MASK = "***"

_registered: set[str] = set()

# Shapes of secrets that can appear in raw `ibmcloud` output we did not produce ourselves.
_PATTERNS = (
    re.compile(
        # The closing quote is optional: output cut off inside a value must not keep the secret's start.
        r'("(?:apikey|api_key|iam_token|access_token|refresh_token|uaa_token|token)"\s*:\s*")'
        r'(?:[^"\\\n]|\\.)*("?)'
    ),
    re.compile(r"((?:Bearer|bearer)\s+)[A-Za-z0-9._~+/=-]+()"),
    re.compile(r"^((?:API Key|IAM token|UAA token)\s*:?\s+)\S.*?()$", re.MULTILINE),
)


def register(secret: str | None) -> None:
    """Remember a secret so that `mask` hides it wherever it appears."""
    if secret and len(secret) >= 4:
        _registered.add(secret)


def mask(text: str) -> str:
    for secret in sorted(_registered, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
    return text
