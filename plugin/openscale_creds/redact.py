"""Masking of secrets, and escaping of control characters, in anything the tool prints or saves.

Secrets the tool handles (API keys, one-time codes, bearer tokens) are registered here the moment
they are known; `mask` then replaces them, and anything shaped like a secret in `ibmcloud` output,
before text reaches stderr, a `--verbose` log or a saved debug file. It masks values, not words: the
patterns below leave "bearer token" or "IAM token expired" readable, and a short registered secret
is masked only where it stands as a word of its own. A secret quoted back cut in pieces (a space
inserted, a line wrapped) is still masked: every run of `FRAGMENT` or more characters taken from a
registered secret is.

`clean_for_terminal` escapes what a terminal would act on rather than show (ANSI sequences, carriage
returns, bidirectional overrides) in text that came from elsewhere: instance names, `ibmcloud` and
server messages. Everything the tool writes to stderr goes through it; stdout (data) never does.
"""

from __future__ import annotations

import re

from openscale_creds.rules import LazyPattern

MASK = "***"
# Runs this long taken from a registered secret are masked wherever they appear. A random run of 8
# characters in ordinary text matching a key is not a real risk; 8 characters of a key left visible
# are not a real leak.
FRAGMENT = 8

_registered: set[str] = set()
_fragments: set[str] = set()  # every FRAGMENT-long substring of every registered secret
_short_patterns: list[re.Pattern[str]] = []

# A value after `Bearer` that is just a word ("bearer token", "Bearer authentication") is prose.
# Every pattern here compiles on first use: most runs mask nothing and print nothing on stderr.
_WORD = LazyPattern(r"[A-Za-z][a-z]*(?:-[a-z]+)*[.,;:!?)]*")


def _mask_bearer(match: re.Match[str]) -> str:
    if _WORD.fullmatch(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}{MASK}"


def _mask_value(match: re.Match[str]) -> str:
    return f"{match.group(1)}{MASK}{match.group(2)}"


# Shapes of secrets that can appear in raw `ibmcloud` output we did not produce ourselves.
_JSON_VALUE = LazyPattern(
    # The closing quote is optional: output cut off inside a value must not keep the secret's start.
    r'("(?:apikey|api_key|iam_token|access_token|refresh_token|uaa_token|token)"\s*:\s*")'
    r'(?:[^"\\\n]|\\.)*("?)'
)
_BEARER = LazyPattern(r"((?:Bearer|bearer)\s+)([A-Za-z0-9._~+/=-]+)")
# Rows of `iam api-key-create` (`API Key   <key>`, columns padded by two or more spaces) and of
# `iam oauth-tokens` (`IAM token:  Bearer …`). A sentence such as "API Key was created" or "IAM token
# expired" is neither: the name must be followed by a colon or by column padding.
_ROW = LazyPattern(r"^((?:API Key|IAM token|UAA token)(?:[ \t]*:[ \t]*|[ \t]{2,}))\S.*?()$", re.MULTILINE)


def register(secret: str | None) -> None:
    """Remember a secret so that `mask` hides it wherever it appears, whole or in pieces."""
    if not secret or len(secret) < 4 or secret in _registered:
        return
    _registered.add(secret)
    for part in secret.split():
        _fragments.update(part[i : i + FRAGMENT] for i in range(len(part) - FRAGMENT + 1))
    if len(secret) < FRAGMENT:
        # Too short to mask inside other words without eating them ("oken" in "token").
        _short_patterns.append(re.compile(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])"))


def mask(text: str) -> str:
    for secret in sorted(_registered, key=len, reverse=True):
        if len(secret) >= FRAGMENT:
            text = text.replace(secret, MASK)
    for short in _short_patterns:
        text = short.sub(MASK, text)
    if _fragments and len(text) >= FRAGMENT:
        text = _mask_fragments(text)
    text = _JSON_VALUE.sub(_mask_value, text)
    text = _BEARER.sub(_mask_bearer, text)
    return _ROW.sub(_mask_value, text)


def _mask_fragments(text: str) -> str:
    """Replace every run of text covered by FRAGMENT-long pieces of registered secrets."""
    covered_until = -1
    spans: list[list[int]] = []
    for i in range(len(text) - FRAGMENT + 1):
        if text[i : i + FRAGMENT] in _fragments:
            if spans and i <= covered_until:
                spans[-1][1] = i + FRAGMENT
            else:
                spans.append([i, i + FRAGMENT])
            covered_until = i + FRAGMENT
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces.append(text[last:start])
        pieces.append(MASK)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# C0 controls but tab and newline, DEL, C1 controls (CSI U+009B starts escape sequences on some
# terminals), the bidirectional marks, embeddings, overrides and isolates (they reorder what follows,
# so a name can read differently from what it is), and the Unicode line and paragraph separators.
_UNSAFE = LazyPattern("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_for_terminal(text: str) -> str:
    """`text` with every character a terminal would act on rather than show written as an escape
    (`\\x1b`, `\\u202e`); tabs and newlines stay. For stderr, never for data on stdout."""
    # A CRLF from a Windows `ibmcloud` is a line end, not a carriage return to show.
    return _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))


def for_terminal(text: str) -> str:
    """What may reach a terminal: `text` masked, then its control characters escaped."""
    return clean_for_terminal(mask(text))
