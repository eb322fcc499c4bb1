"""Properties of every parser, checked by hypothesis with a fixed seed:

* on any text, and on the recorded fixtures after deleting, duplicating, reordering or re-padding
  lines and sprinkling in escapes, CRs, BOMs and stray unicode, a parser returns a well-typed result
  or raises `ParseError`, never anything else;
* `normalise` is idempotent;
* the CRLF, colour, BOM, version-notice and wider-column variants of each fixture parse to exactly
  the fixture's expected result.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openscale_creds.errors import ParseError
from openscale_creds.models import Account, ApiKey, ServiceInstance, Target
from openscale_creds.parsers import (
    extract_json,
    find_failure,
    normalise,
    parse,
    parse_account,
    parse_api_key,
    parse_instance_list_table,
    parse_instances,
    parse_login,
    parse_oauth_tokens,
    parse_target,
    parse_version,
    strip_noise,
)
from openscale_creds.parsers.common import Failure, numbered

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OUTPUTS = sorted(FIXTURES.glob("*.out"))
TEXTS = {path.name: path.read_bytes().decode("utf-8") for path in OUTPUTS}

# derandomize: the same examples on every run and machine, so a failure is reproducible, not flaky.
FIXED = settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fixed(examples: int) -> settings:
    return settings(FIXED, max_examples=examples)


def _is_str_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _check_target(result: object) -> None:
    assert isinstance(result, Target)
    assert isinstance(result.logged_in, bool)
    assert result.account is None or (
        isinstance(result.account, Account)
        and isinstance(result.account.name, str)
        and isinstance(result.account.guid, str)
    )
    for value in (result.api_endpoint, result.region, result.user, result.resource_group):
        assert _is_str_or_none(value)


def _check_api_key(result: object) -> None:
    assert isinstance(result, ApiKey)
    assert isinstance(result.name, str) and result.name
    assert all(_is_str_or_none(v) for v in (result.id, result.apikey, result.description, result.created_at))
    assert result.locked is None or isinstance(result.locked, bool)


def _check_instances(result: object) -> None:
    assert isinstance(result, list)
    for instance in result:
        assert isinstance(instance, ServiceInstance)
        assert isinstance(instance.name, str) and instance.name
        assert isinstance(instance.guid, str)


def _check_token(result: object) -> None:
    assert isinstance(result, str) and result and not re.search(r"\s", result)


def _check_version(result: object) -> None:
    assert isinstance(result, str) and re.fullmatch(r"\d+\.\d+\.\d+", result)


PARSERS: dict[str, tuple[Callable[[str], object], Callable[[object], None]]] = {
    "login": (parse_login, _check_target),
    "target": (parse_target, _check_target),
    "api-key": (parse_api_key, _check_api_key),
    "instance": (parse_instances, _check_instances),
    "instances": (parse_instance_list_table, _check_instances),
    "oauth-tokens": (parse_oauth_tokens, _check_token),
    "version": (parse_version, _check_version),
}


def assert_parses_or_refuses(kind: str, text: str) -> None:
    parser, check = PARSERS[kind]
    try:
        result = parser(text)
    except ParseError as exc:
        assert exc.command and str(exc).startswith("cannot read `ibmcloud ")
        return
    check(result)


def assert_renders_or_refuses(kind: str, text: str) -> None:
    """What `openscale-creds parse` prints is JSON or a ParseError."""
    try:
        result = parse(kind, text)
    except ParseError:
        return
    json.dumps(result)


# --- text to throw at the parsers -------------------------------------------------------------------------

TOKENS = [
    "Name:",
    "ID:",
    "GUID:",
    "Location:",
    "Service Name:",
    "Last Operation:",
    "API endpoint:",
    "Region:",
    "User:",
    "Account:",
    "Resource group:",
    "Not logged in.",
    "FAILED",
    "FEHLGESCHLAGEN",
    "OK",
    "Incorrect Usage",
    "API Key",
    "UUID",
    "Locked",
    "true",
    "false",
    "-",
    "Please preserve the API key!",
    "IAM token:",
    "Bearer",
    "x",
    "aiopenscale",
    "us-south",
    "crn:v1:bluemix:public:aiopenscale:us-south:a/a:g::",
    f"Acct ({'0' * 32}) <-> 12",
    "Targeted account",
    "Targeted region",
    "No resource group targeted",
    "ibmcloud",
    "version",
    "2.38.1",
    "Name   Location   State   Type",
    "   ",
    "  ",
    " ",
    "\n",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\ufeff",
    "\x1b[1m",
    "\x1b[0m",
    "\x1b]0;t\x07",
    "\x1b",
    "{",
    "}",
    "[",
    "]",
    '"',
    ":",
    ",",
    '"name"',
    '"guid"',
    '"iam_token"',
    '"apikey"',
    "null",
    "0",
    "1e999",
    "é",
    "名",
    "\u2028",
    "\x00",
    "New version 9.9.9 is available.",
    "Retrieving x...",
]
tokenised_text = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=300), tokenised_text)


@fixed(250)
@given(kind=st.sampled_from(sorted(PARSERS)), text=any_text)
def test_every_parser_on_any_text_returns_a_typed_result_or_a_parse_error(kind: str, text: str) -> None:
    assert_parses_or_refuses(kind, text)
    if kind in ("login", "target", "api-key", "instance", "oauth-tokens", "version"):
        assert_renders_or_refuses(kind, text)


@fixed(300)
@given(text=any_text)
def test_the_shared_stages_never_raise_anything_but_a_parse_error(text: str) -> None:
    assert isinstance(normalise(text), str)
    assert all(line.text.strip() for line in strip_noise(numbered(text)))
    failure = find_failure(text)
    assert failure is None or (isinstance(failure, Failure) and isinstance(failure.message, str))
    account = parse_account(text)
    assert account is None or isinstance(account, Account)
    with contextlib.suppress(ParseError):
        extract_json(text)


@fixed(300)
@given(text=any_text)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once and "\x1b" not in once


# --- mutations of the recorded fixtures -------------------------------------------------------------------

ESCAPES = ["\x1b[1m", "\x1b[0m", "\x1b[36;1m", "\x1b[31;1m", "\x1b[K", "\x1b]0;title\x07"]


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(["delete", "duplicate", "swap", "repad", "escape", "cr", "bom", "unicode", "cut"])
        )
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "repad":
            width = draw(st.integers(0, 12))
            lines[i] = re.sub(r" {2,}", " " * width, lines[i])
        else:
            at = draw(st.integers(0, len(lines[i])))
            insert = {
                "escape": draw(st.sampled_from(ESCAPES)),
                "cr": "\r",
                "bom": "\ufeff",
                "unicode": draw(st.text(min_size=1, max_size=5)),
                "cut": None,
            }[action]
            lines[i] = lines[i][:at] if insert is None else lines[i][:at] + insert + lines[i][at:]
            if insert is None:
                del lines[i + 1 :]
    return name.split("--", 1)[0], "\n".join(lines)


@fixed(600)
@given(case=mutated_fixture())
def test_every_parser_on_a_mangled_recording_returns_a_typed_result_or_a_parse_error(
    case: tuple[str, str],
) -> None:
    kind, text = case
    assert_renders_or_refuses(kind, text)
    for other in PARSERS:
        assert_parses_or_refuses(other, text)


# --- variants that must not change the result -------------------------------------------------------------

NOTICE = (
    "\n\nNew version 2.40.0 is available.\n"
    "Release notes: https://github.com/IBM-Cloud/ibm-cloud-cli-release/releases/tag/v2.40.0\n"
    "TIP: use 'ibmcloud config --check-version=false' to disable update check.\n"
)


def _expected(name: str) -> Any:
    return json.loads((FIXTURES / name).with_suffix(".json").read_text(encoding="utf-8"))


def _kind(name: str) -> str:
    return name.split("--", 1)[0]


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_crlf_bom_notice_and_wider_column_variants_parse_like_the_recording(name: str) -> None:
    text, expected = TEXTS[name], _expected(name)
    variants = {
        "crlf": text.replace("\n", "\r\n"),
        "bom": "\ufeff" + text,
        "notice": text + NOTICE,
        "bug-window bold header": "\x1b[1m       \x1b[0m\x1b[1m       \x1b[0m\n" + text,
    }
    # Widening every gap re-renders the table with wider columns only when no cell holds a gap itself: a
    # run of spaces inside a cell is part of its value.
    if "  " not in json.dumps(expected, ensure_ascii=False):
        variants["wider columns"] = re.sub(r"(?<=\S) {2,}", lambda m: m.group(0) + "    ", text)
    for label, variant in variants.items():
        assert parse(_kind(name), variant) == expected, label


@fixed(150)
@given(data=st.data())
def test_colour_bom_and_cr_sprinkled_over_lines_change_nothing(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].split("\n")
    picks = st.tuples(st.integers(0, 200), st.sampled_from(["", *ESCAPES]), st.booleans(), st.booleans())
    marks = data.draw(st.lists(picks, min_size=len(lines), max_size=len(lines)))
    pieces = []
    for line, (at, escape, bom, cr) in zip(lines, marks, strict=True):
        at = min(at, len(line))
        line = line[:at] + escape + line[at:]
        pieces.append(("\ufeff" if bom else "") + line + (" \r" if cr else ""))
    assert parse(_kind(name), "\n".join(pieces)) == _expected(name)
