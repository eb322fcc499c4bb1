"""Credential formats: what each file says, that the consumer reading it (sh, bash, the OpenScale
SDKs, ibm-cloud-sdk-core) gets the exact values back, and that every format `render` writes loads
back to the same credentials (`load`), including what rotation needs (the key's id)."""

from __future__ import annotations

import codecs
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import shell_emulators as emu
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openscale_creds import errors
from openscale_creds.credentials import (
    DOCUMENT_KEYS,
    FORMATS,
    Credentials,
    detect_format,
    file_encoding,
    format_from_path,
    load,
    load_file,
    load_with_format,
    mask,
    masked,
    render,
    to_document,
    variables,
)
from openscale_creds.secretfile import write_secret

FAKE_KEY = "fake-apikey-for-tests-0000000000000000000000"
GUID = "00000000-1111-2222-3333-444444444444"
# Everything a shell or batch file treats specially, spaces, and non-ASCII; no outer whitespace,
# which only dotenv refuses (tested separately).
TRICKY = (
    "fake 'single' \"double\" $HOME `id` $(id) \\ back\\ 50% %PATH% !bang! ^caret & | < > ; café ☁ 日本 🔑"
)

FULL = Credentials(
    apikey=f"{FAKE_KEY} {TRICKY}",
    instance_guid=GUID,
    url="https://api.aiopenscale.cloud.ibm.com",
    region=f"us-south {TRICKY}",
    resource_group=f"rg {TRICKY}",
    instance_name=f'Open "Scale" & co %TEMP% 100% {TRICKY}',
    instance_crn=f"crn:v1:bluemix:public:aiopenscale:us-south:a/0000::{GUID}::",
    api_key_name=f"key {TRICKY}",
    api_key_id="ApiKey-00000000-aaaa-bbbb-cccc-000000000000",
    created_at="2026-01-02T03:04:05.000Z",
)
MINIMAL = Credentials(apikey=FAKE_KEY, instance_guid=GUID)
SDK_SERVICE = "ai_openscale"


def expected_variables(creds: Credentials) -> dict[str, str]:
    found = {
        "AI_OPENSCALE_APIKEY": creds.apikey,
        "AI_OPENSCALE_URL": creds.url,
        "AI_OPENSCALE_AUTH_TYPE": "iam",
        "AI_OPENSCALE_INSTANCE_GUID": creds.instance_guid,
        "WATSONX_APIKEY": creds.apikey,
        "WXG_SERVICE_INSTANCE_ID": creds.instance_guid,
        "WATSONX_REGION": creds.region,
    }
    return {name: value for name, value in found.items() if value is not None}


# --- consumers, as independent of the code under test as possible ------------------------------------


def sdk_core_read_credential_file(path: Path, service_name: str) -> dict[str, str]:
    """The reading rules of ibm-cloud-sdk-core's `read_from_credential_file` (IBM/python-sdk-core,
    ibm_cloud_sdk_core/utils.py, Apache-2.0), restated: the file is opened as UTF-8 text (universal
    newlines), each line is `strip()`ped and split on the first `=`; a key that starts with the
    service name (upper-cased, spaces and dashes as `_`) is stored without that prefix and the `_`
    after it. No quotes, no escapes, no comments."""
    prefix = service_name.replace(" ", "_").replace("-", "_").upper()
    config: dict[str, str] = {}
    with open(path, encoding="utf-8") as fobj:
        for line in fobj:
            key_val = line.strip().split("=", 1)
            if len(key_val) == 2:
                key, value = key_val
                if key.startswith(prefix):
                    config[key[len(prefix) + 1 :]] = value
    return config


def powershell_assignments(text: str) -> dict[str, str]:
    """`$Env:NAME = '...'` lines: a PowerShell verbatim string ends at a lone single quote (any of
    the five characters PowerShell counts as one); a doubled one is a literal."""
    quotes = "'\u2018\u2019\u201a\u201b"
    found: dict[str, str] = {}
    for line in text.split("\n")[:-1]:
        if line.startswith("# "):
            continue
        m = re.fullmatch(r"\$Env:([A-Za-z_][A-Za-z0-9_]*) = '(.*)'", line)
        assert m, f"not a PowerShell assignment: {line!r}"
        body, value, i = m.group(2), [], 0
        while i < len(body):
            if body[i] in quotes:
                assert i + 1 < len(body) and body[i + 1] in quotes, f"unescaped quote in {line!r}"
                i += 1
            value.append(body[i])
            i += 1
        found[m.group(1)] = "".join(value)
    return found


def fish_assignments(text: str) -> dict[str, str]:
    """`set -gx NAME '...'` lines: inside fish single quotes only \\' and \\\\ are escapes."""
    found: dict[str, str] = {}
    for line in text.split("\n")[:-1]:
        if line.startswith("# "):
            continue
        m = re.fullmatch(r"set -gx ([A-Za-z_][A-Za-z0-9_]*) '((?:[^'\\]|\\.)*)'", line)
        assert m, f"not a fish assignment: {line!r}"
        found[m.group(1)] = re.sub(r"\\(['\\])", r"\1", m.group(2))
    return found


def batch_set_assignments(text: str) -> dict[str, str]:
    """A .cmd file run with `call`, delayed expansion off: phase 1 turns `%%` into `%`; phase 2
    removes a caret outside quotes (keeping the next character) and `"` toggles quote mode; then
    `set "NAME=value"` drops the first quote and everything from the last quote on."""
    found: dict[str, str] = {}
    for line in text.split("\n")[:-1]:
        if line == "@chcp 65001 >nul":
            continue
        if line.startswith("REM "):  # a comment, once no % and no line-final caret can act on it
            assert "%" not in line and not line.endswith("^"), line
            continue
        assert line.startswith('set "'), f"not a set line: {line!r}"
        assert "%" not in line.replace("%%", ""), f"a lone % would be expanded: {line!r}"
        expanded = line.replace("%%", "%")
        out, quoted, i = [], False, 0
        while i < len(expanded):
            ch = expanded[i]
            if ch == '"':
                quoted = not quoted
            elif ch == "^" and not quoted:
                i += 1
                ch = expanded[i]
            elif ch in "&|<>()" and not quoted:
                raise AssertionError(f"an unescaped {ch} would be an operator: {line!r}")
            out.append(ch)
            i += 1
        argument = "".join(out)[len("set ") :]
        assignment = argument[1 : argument.rindex('"')]
        name, _, value = assignment.partition("=")
        found[name] = value
    return found


SHELLS = [name for name in ("sh", "bash", "dash", "zsh") if shutil.which(name)]


def exported_by(shell: str, script: Path) -> dict[str, str]:
    """Evaluate the file in a real shell and return what it exports (NUL-separated, so any value
    survives)."""
    proc = subprocess.run(
        [shell, "-c", 'set -e; eval "$(cat "$1")"; exec env -0', shell, str(script)],
        capture_output=True,
        env={"PATH": os.environ["PATH"], "HOME": "/nonexistent-home"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    found: dict[str, str] = {}
    for entry in proc.stdout.decode().split("\0"):
        name, sep, value = entry.partition("=")
        if sep:
            found[name] = value
    return found


# --- documents ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_documents_carry_the_documented_keys_in_order_with_the_guid_under_all_three_id_names(
    fmt: str,
) -> None:
    text = render(FULL, fmt)
    doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert (
        tuple(doc)
        == DOCUMENT_KEYS
        == (
            "apikey",
            "instance_guid",
            "service_instance_id",
            "data_mart_id",
            "url",
            "region",
            "resource_group",
            "instance_name",
            "instance_crn",
            "api_key_name",
            "api_key_id",
            "created_at",
        )
    )
    assert doc["instance_guid"] == doc["service_instance_id"] == doc["data_mart_id"] == GUID
    assert doc["apikey"] == FULL.apikey and doc["instance_name"] == FULL.instance_name


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_unknown_values_are_written_as_null(fmt: str) -> None:
    text = render(MINIMAL, fmt)
    assert ('"url": null' if fmt == "json" else "\nurl: null\n") in text
    doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    assert doc["region"] is None and doc["created_at"] is None


def test_the_json_file_is_a_ready_aios_credentials_dict_and_new_sdk_arguments() -> None:
    c = json.loads(render(FULL, "json"))
    # Old SDK: APIClient(aios_credentials) reads apikey, url and one of data_mart_id/instance_guid.
    assert {"apikey", "instance_guid", "url", "data_mart_id"} <= set(c)
    # New SDK: APIClient(authenticator=IAMAuthenticator(apikey=c["apikey"]), service_url=c["url"],
    # service_instance_id=c["instance_guid"]).
    assert (c["apikey"], c["url"], c["instance_guid"]) == (FULL.apikey, FULL.url, GUID)


def test_yaml_keeps_non_ascii_readable_and_every_value_on_one_line() -> None:
    text = render(FULL, "yaml")
    assert "café ☁ 日本 🔑" in text
    assert len(text.splitlines()) == len(DOCUMENT_KEYS)
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
@pytest.mark.parametrize("creds", [FULL, MINIMAL], ids=["full", "minimal"])
def test_json_and_yaml_load_back_equal(fmt: str, creds: Credentials) -> None:
    assert load(render(creds, fmt)) == creds


optional_text = st.none() | st.text(max_size=30)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    apikey=st.text(min_size=1, max_size=60),
    guid=st.text(min_size=1, max_size=40),
    url=optional_text,
    region=optional_text,
    name=optional_text,
    created=optional_text,
)
def test_any_text_survives_a_json_and_a_yaml_round_trip_and_nul_is_refused_both_ways(
    apikey: str, guid: str, url: str | None, region: str | None, name: str | None, created: str | None
) -> None:
    creds = Credentials(
        apikey=apikey, instance_guid=guid, url=url, region=region, instance_name=name, created_at=created
    )
    has_nul = any("\0" in (v or "") for v in (apikey, guid, url, region, name, created))
    for fmt in ("json", "yaml"):
        if has_nul:  # no file or environment variable can hold a NUL: refused on the way out and in
            with pytest.raises(errors.Unrepresentable, match="NUL"):
                render(creds, fmt)
            with pytest.raises(errors.UsageError, match="NUL"):
                load(json.dumps(to_document(creds)))
            continue
        assert load(render(creds, fmt)) == creds
        assert load(render(creds, fmt).encode("utf-8")) == creds


# --- shell and dotenv formats --------------------------------------------------------------------------


@pytest.mark.skipif(not SHELLS, reason="no POSIX shell")
@pytest.mark.parametrize("shell", SHELLS or ["sh"])
@pytest.mark.parametrize("creds", [FULL, MINIMAL], ids=["full", "minimal"])
def test_the_env_format_evaluated_by_a_real_shell_exports_exactly_the_values(
    shell: str, creds: Credentials, tmp_path: Path
) -> None:
    script = tmp_path / "creds.sh"
    script.write_text(render(creds, "env"), encoding="utf-8")
    exported = exported_by(shell, script)
    expected = expected_variables(creds)
    assert {name: exported.get(name) for name in expected} == expected
    if creds.url is None:
        assert "AI_OPENSCALE_URL" not in exported


@pytest.mark.skipif(not shutil.which("sh"), reason="no POSIX shell")
def test_the_env_format_carries_newlines_and_other_awkward_values_through_sh(tmp_path: Path) -> None:
    creds = Credentials(apikey="fake\nkey\twith ' and \"\n", instance_guid="-g", region="  spaced  ")
    script = tmp_path / "creds.sh"
    script.write_text(render(creds, "env"), encoding="utf-8")
    exported = exported_by("sh", script)
    assert exported["AI_OPENSCALE_APIKEY"] == creds.apikey
    assert exported["AI_OPENSCALE_INSTANCE_GUID"] == "-g"
    assert exported["WATSONX_REGION"] == "  spaced  "


def test_the_dotenv_format_gives_ibm_cloud_sdk_core_the_openscale_settings(tmp_path: Path) -> None:
    path = tmp_path / "ibm-credentials.env"
    path.write_text(render(FULL, "dotenv"), encoding="utf-8")
    assert sdk_core_read_credential_file(path, SDK_SERVICE) == {
        "APIKEY": FULL.apikey,
        "URL": FULL.url,
        "AUTH_TYPE": "iam",
        "INSTANCE_GUID": GUID,
    }
    assert sdk_core_read_credential_file(path, "watsonx") == {"APIKEY": FULL.apikey, "REGION": FULL.region}


def test_the_dotenv_format_leaves_out_a_missing_url_so_the_sdk_default_applies(tmp_path: Path) -> None:
    path = tmp_path / "ibm-credentials.env"
    path.write_text(render(MINIMAL, "dotenv"), encoding="utf-8")
    assert sdk_core_read_credential_file(path, SDK_SERVICE) == {
        "APIKEY": FAKE_KEY,
        "AUTH_TYPE": "iam",
        "INSTANCE_GUID": GUID,
    }


@pytest.mark.parametrize("bad", ["fake\nkey", "fake\rkey", "fake\r\nkey", "fakekey\n"])
def test_a_newline_in_a_dotenv_value_is_refused_without_showing_the_value(bad: str) -> None:
    with pytest.raises(errors.Unrepresentable) as caught:
        render(Credentials(apikey=bad, instance_guid=GUID), "dotenv")
    assert "fake" not in str(caught.value)
    assert "AI_OPENSCALE_APIKEY" in str(caught.value)


def test_powershell_output_sets_every_value_exactly_and_ends_without_a_blank_line() -> None:
    text = render(FULL, "powershell")
    assert text.endswith("'\n") and not text.endswith("\n\n")
    assert powershell_assignments(text) == expected_variables(FULL)
    smart = Credentials(apikey="fake O’Brien ‘x’ ‚y‛", instance_guid=GUID)
    assert powershell_assignments(render(smart, "powershell"))["AI_OPENSCALE_APIKEY"] == smart.apikey


def test_fish_output_sets_every_value_exactly() -> None:
    assert fish_assignments(render(FULL, "fish")) == expected_variables(FULL)


def test_a_cmd_script_sets_every_value_exactly_and_switches_to_utf8_only_when_needed() -> None:
    text = render(FULL, "cmd")
    assert text.startswith("@chcp 65001 >nul\n")
    assert batch_set_assignments(text) == expected_variables(FULL)
    ascii_only = Credentials(apikey='fake "quoted" & 100% ^', instance_guid=GUID, region="us-south")
    text = render(ascii_only, "cmd")
    assert "chcp" not in text
    assert batch_set_assignments(text) == expected_variables(ascii_only)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_exactly_one_newline(fmt: str) -> None:
    text = render(FULL, fmt)
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize("fmt", ["cmd", "powershell", "dotenv", "env", "fish"])
def test_a_value_a_format_cannot_carry_is_refused_and_not_echoed(fmt: str) -> None:
    with pytest.raises(errors.Unrepresentable) as caught:
        render(Credentials(apikey="fake\0secretvalue", instance_guid=GUID), fmt)
    assert "secretvalue" not in str(caught.value)
    assert caught.value.exit_code == errors.ExitCode.USAGE


def test_the_shell_formats_set_the_documented_variables_in_order() -> None:
    assert [name for name, _ in variables(FULL)] == [
        "AI_OPENSCALE_APIKEY",
        "AI_OPENSCALE_URL",
        "AI_OPENSCALE_AUTH_TYPE",
        "AI_OPENSCALE_INSTANCE_GUID",
        "WATSONX_APIKEY",
        "WXG_SERVICE_INSTANCE_ID",
        "WATSONX_REGION",
    ]
    assert [name for name, _ in variables(MINIMAL)] == [
        "AI_OPENSCALE_APIKEY",
        "AI_OPENSCALE_AUTH_TYPE",
        "AI_OPENSCALE_INSTANCE_GUID",
        "WATSONX_APIKEY",
        "WXG_SERVICE_INSTANCE_ID",
    ]


def test_an_unknown_format_is_a_usage_error_listing_the_formats() -> None:
    with pytest.raises(errors.UsageError, match="yaml, json, env, powershell, cmd, fish, dotenv"):
        render(FULL, "toml")


# --- file names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (None, "yaml"),
        ("-", "yaml"),
        ("creds.yaml", "yaml"),
        ("C:\\Users\\u\\creds.YML", "yaml"),
        ("out/creds.json", "json"),
        ("ibm-credentials.env", "dotenv"),
        (".env", "dotenv"),
        ("creds.sh", "env"),
        ("creds.ps1", "powershell"),
        ("creds.cmd", "cmd"),
        ("CREDS.BAT", "cmd"),
        ("creds.fish", "fish"),
        ("creds.txt", "yaml"),
        ("credentials", "yaml"),
    ],
)
def test_the_format_follows_the_file_name(path: str | None, fmt: str) -> None:
    assert format_from_path(path) == fmt


# --- saved files load back -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_saved_file_loads_back_to_the_same_credentials_in_its_own_format(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"creds.{fmt}"
    write_secret(path, render(FULL, fmt), encoding=file_encoding(fmt))
    assert load_file(path) == (FULL, fmt)
    assert load(path.read_bytes()) == FULL


def test_powershell_scripts_are_saved_with_a_bom_and_the_rest_without() -> None:
    assert file_encoding("powershell") == "utf-8-sig"
    assert {file_encoding(fmt) for fmt in FORMATS if fmt != "powershell"} == {"utf-8"}


WINDOWS_ENCODINGS = {
    "utf8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf16le-bom": lambda t: t.encode("utf-16"),  # PowerShell 5.1 `>` / Out-File: UTF-16LE with a BOM
    "utf16be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf16le-no-bom": lambda t: t.encode("utf-16-le"),
    "utf32": lambda t: t.encode("utf-32"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", list(WINDOWS_ENCODINGS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_files_rewritten_by_windows_tools_still_load(fmt: str, encoding: str) -> None:
    data = WINDOWS_ENCODINGS[encoding](render(FULL, fmt))
    if encoding == "crlf" and fmt in ("env", "fish"):
        # sh keeps a CR before the line feed as part of the value: refused, not read wrong.
        with pytest.raises(errors.UsageError, match="line 2 has a CR") as caught:
            load(data)
        assert caught.value.hint == "convert the file to LF line ends"
        return
    assert load_with_format(data) == (FULL, fmt)


def test_a_bom_in_a_str_is_ignored() -> None:
    assert load("\ufeff" + render(FULL, "yaml")) == FULL


def test_a_hand_written_aios_credentials_json_loads() -> None:
    text = json.dumps({"apikey": FAKE_KEY, "instance_guid": GUID, "url": "https://x"})
    assert load(text) == Credentials(apikey=FAKE_KEY, instance_guid=GUID, url="https://x")


def test_a_crn_as_instance_id_gives_its_guid_as_the_old_sdk_does() -> None:
    crn = f"crn:v1:bluemix:public:aiopenscale:us-south:a/0000:{GUID}::"
    assert load(json.dumps({"apikey": FAKE_KEY, "instance_id": crn})).instance_guid == GUID


def test_hand_edited_yaml_with_unquoted_dates_and_numbers_loads_as_text() -> None:
    text = f"apikey: {FAKE_KEY}\ndata_mart_id: {GUID}\ncreated_at: 2026-01-02 03:04:05\napi_key_id: 12345\n"
    back = load(text)
    assert back.instance_guid == GUID
    assert back.created_at == "2026-01-02T03:04:05"
    assert back.api_key_id == "12345"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("# nothing\n\n", "empty"),
        (f"instance_guid: {GUID}\n", "has no apikey"),
        (f"apikey: {FAKE_KEY}\n", "has no instance_guid"),
        (json.dumps({"apikey": FAKE_KEY}), "has no instance_guid"),
        (f"AI_OPENSCALE_INSTANCE_GUID={GUID}\n", "has no AI_OPENSCALE_APIKEY"),
        ("url: x\n", "has no apikey and no instance_guid"),
        (f"- {FAKE_KEY}\n", "not a mapping"),
        (f"apikey: {FAKE_KEY}\ninstance_guid: a\ndata_mart_id: b\n", "different values"),
        (f"apikey: [{FAKE_KEY}]\ninstance_guid: {GUID}\n", "list for 'apikey'"),
        (f'apikey: "{FAKE_KEY}\ninstance_guid: x\n', "cannot read the credentials file as YAML"),
        (f'{{"apikey": "{FAKE_KEY}", ', "cannot read the credentials file as JSON"),
        (f"export AI_OPENSCALE_APIKEY='{FAKE_KEY}\n", "line 1 has a quote that is not closed"),
        (b"\xff\xfe\x00\xd8", "not UTF-8 or UTF-16"),
        (b"apikey: \xc3\x28", "not UTF-8 or UTF-16"),
    ],
)
def test_a_bad_file_is_a_usage_error_that_names_the_problem_but_never_the_key(
    text: str | bytes, message: str
) -> None:
    with pytest.raises(errors.UsageError) as caught:
        load(text)
    assert message in str(caught.value)
    assert FAKE_KEY not in str(caught.value)
    assert FAKE_KEY[:12] not in str(caught.value)
    assert "\n" not in str(caught.value)


# --- masking -----------------------------------------------------------------------------------------


def test_repr_and_str_never_show_the_key() -> None:
    for shown in (repr(FULL), str(FULL), f"{FULL!r}", repr([FULL])):
        assert FAKE_KEY not in shown and "apikey='***'" in shown
    assert GUID in repr(FULL)


def test_a_masked_key_tells_keys_apart_but_is_unusable() -> None:
    assert mask(FAKE_KEY) == f"fake*** ({len(FAKE_KEY)} chars)"
    assert mask("short-secret") == "*** (12 chars)"
    assert FAKE_KEY[4:12] not in mask(FAKE_KEY)


def test_masked_credentials_differ_only_in_the_key_and_render_without_it() -> None:
    shown = masked(FULL)
    assert shown.apikey == mask(FULL.apikey)
    assert shown.instance_guid == FULL.instance_guid and shown.url == FULL.url
    for fmt in FORMATS:
        assert FAKE_KEY not in render(shown, fmt)


# --- every format written is a format read --------------------------------------------------------

GOLDEN: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("golden_quoting.yaml").read_text(encoding="utf-8")
)
VARIABLE_FORMATS = ("env", "powershell", "cmd", "fish", "dotenv")


def carried(creds: Credentials, fmt: str) -> Credentials:
    """What a format gives back: an empty URL or region is left out of the variables, as unknown."""
    if fmt not in VARIABLE_FORMATS:
        return creds
    return dataclasses.replace(creds, url=creds.url or None, region=creds.region or None)


def refusal_expected(fmt: str, creds: Credentials) -> bool:
    """The documented limits of each format for the values its variables carry (README, shellquote)."""
    values = [v for _, v in variables(creds)]
    if fmt == "powershell":
        return any("\r" in v or "\n" in v for v in values)
    if fmt == "cmd":
        return any(c in v for v in values for c in "\r\n\x1a")
    if fmt == "dotenv":
        return any("\r" in v or "\n" in v or v.strip() != v for v in values)
    return False


def round_trip(creds: Credentials, fmt: str) -> None:
    """render, then load (as text and as the saved bytes): equal credentials in the same format, or
    a refusal for a documented reason."""
    try:
        text = render(creds, fmt)
    except errors.Unrepresentable:
        assert refusal_expected(fmt, creds), f"{fmt} refused values it can carry: {creds!r}"
        return
    assert not refusal_expected(fmt, creds), f"{fmt} wrote values it cannot carry: {creds!r}"
    expected = carried(creds, fmt)
    assert load_with_format(text) == (expected, fmt), text
    assert load_with_format(text.encode(file_encoding(fmt))) == (expected, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", [case["value"] for case in GOLDEN], ids=[case["name"] for case in GOLDEN])
def test_each_tricky_string_of_the_golden_table_round_trips_through_every_format(
    fmt: str, value: str
) -> None:
    creds = Credentials(
        apikey=value or "fake-key",  # an empty key is no credential: "has no apikey"
        instance_guid=f"{GUID}{value}",
        url=value,
        region=value,
        resource_group=value,
        instance_name=value,
        instance_crn=value,
        api_key_name=value,
        api_key_id=value,
        created_at=value,
    )
    round_trip(creds, fmt)


# Shell metacharacters of every dialect, line ends of every kind, quotes PowerShell counts as quotes,
# .NET-only and Unicode whitespace, bidi controls, cmd's Ctrl-Z, the comment marker itself.
AWKWARD = (
    " \t\"\\^&|<>()%!'$;,=@#~*?{}[]-`:./+_éa日😀’“‘‚‛\xa0\u2028\u2029\x85\x0b\x1a\x1b\u202e\r\n"
    "openscale-creds:{}"
)
awkward_text = st.text(
    st.one_of(st.sampled_from(AWKWARD), st.characters(codec="utf-8", exclude_characters="\0")), max_size=12
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    apikey=awkward_text.filter(bool),
    guid=awkward_text.filter(bool),
    url=st.none() | awkward_text,
    region=st.none() | awkward_text,
    meta=st.lists(st.none() | awkward_text, min_size=6, max_size=6),
)
def test_any_credentials_round_trip_through_every_format_or_are_refused_for_a_documented_reason(
    apikey: str, guid: str, url: str | None, region: str | None, meta: list[str | None]
) -> None:
    creds = Credentials(apikey, guid, url, region, *meta)
    for fmt in FORMATS:
        round_trip(creds, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_the_api_key_id_rotation_needs(fmt: str) -> None:
    key_id = "ApiKey-11111111-2222-3333-4444-555555555555"
    creds = Credentials(apikey=FAKE_KEY, instance_guid=GUID, api_key_id=key_id)
    assert load(render(creds, fmt)).api_key_id == key_id
    assert load(render(FULL, fmt)) == FULL  # and the key's name, the instance's name, when it was made


@pytest.mark.parametrize(
    ("fmt", "first_line"),
    [
        ("env", '# openscale-creds: {"api_key_id": "ApiKey-1", "created_at": "100% \\u202e"}'),
        ("fish", '# openscale-creds: {"api_key_id": "ApiKey-1", "created_at": "100% \\u202e"}'),
        ("dotenv", '# openscale-creds: {"api_key_id": "ApiKey-1", "created_at": "100% \\u202e"}'),
        ("powershell", '# openscale-creds: {"api_key_id": "ApiKey-1", "created_at": "100% \\u202e"}'),
        ("cmd", 'REM openscale-creds: {"api_key_id": "ApiKey-1", "created_at": "100\\u0025 \\u202e"}'),
    ],
)
def test_the_metadata_is_one_readable_comment_line_at_the_top_with_no_control_characters(
    fmt: str, first_line: str
) -> None:
    creds = Credentials(apikey=FAKE_KEY, instance_guid=GUID, api_key_id="ApiKey-1", created_at="100% \u202e")
    text = render(creds, fmt)
    assert text.split("\n")[0] == first_line
    assert text.count("openscale-creds") == 1
    assert load(text) == creds


def test_a_cmd_metadata_comment_is_ascii_so_the_code_page_switch_follows_the_values_only() -> None:
    creds = Credentials(apikey="fake-key", instance_guid=GUID, instance_name="café ☁ 日本 🔑 100% ^!")
    text = render(creds, "cmd")
    assert text.isascii() and "chcp" not in text
    assert load(text) == creds


def test_without_metadata_no_comment_is_written() -> None:
    for fmt in VARIABLE_FORMATS:
        assert "openscale-creds" not in render(MINIMAL, fmt)


SH_BASELINE_NAMES = {"PWD", "SHLVL", "_", "OLDPWD"}


@pytest.mark.skipif(not SHELLS, reason="no POSIX shell")
@pytest.mark.parametrize("shell", SHELLS or ["sh"])
def test_a_real_shell_evaluating_the_env_format_sets_only_the_documented_variables(
    shell: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.sh"
    empty.write_text("", encoding="utf-8")
    script = tmp_path / "creds.sh"
    script.write_text(render(FULL, "env"), encoding="utf-8")
    before, after = exported_by(shell, empty), exported_by(shell, script)
    added = {name: value for name, value in after.items() if before.get(name) != value}
    assert added == expected_variables(FULL) == FULL.env()


def test_the_windows_and_fish_emulators_see_only_the_documented_variables() -> None:
    cmd_env = {"TEMP": "C:\\Temp", "PATH": "C:\\Windows"}
    assert emu.cmd_run_set_lines(render(FULL, "cmd"), cmd_env) == FULL.env()
    assert emu.powershell_run_assignments(render(FULL, "powershell")) == FULL.env()
    assert emu.fish_run_assignments(render(FULL, "fish")) == FULL.env()


def test_the_sdk_reads_nothing_from_the_dotenv_comment_for_any_service() -> None:
    creds = dataclasses.replace(FULL, api_key_name="x=AI_OPENSCALE_APIKEY=forged")
    data = render(creds, "dotenv").encode("utf-8")
    comment = data.split(b"\n")[0].decode("utf-8")
    assert comment.startswith("# openscale-creds:") and "=" in comment  # it does split into a key
    for service in ("ai_openscale", "watsonx", "wxg", "ibm", "openscale"):
        read = emu.sdk_read_credential_file(data, service)
        prefix = service.upper()
        assert {f"{prefix}_{k}": v for k, v in read.items()} == {
            n: v for n, v in creds.env().items() if n.startswith(prefix)
        }


def test_env_gives_the_credential_variables_as_the_env_format_sets_them() -> None:
    assert FULL.env() == dict(variables(FULL)) == expected_variables(FULL)
    assert list(FULL.env()) == [name for name, _ in variables(FULL)]
    assert MINIMAL.env() == {
        "AI_OPENSCALE_APIKEY": FAKE_KEY,
        "AI_OPENSCALE_AUTH_TYPE": "iam",
        "AI_OPENSCALE_INSTANCE_GUID": GUID,
        "WATSONX_APIKEY": FAKE_KEY,
        "WXG_SERVICE_INSTANCE_ID": GUID,
    }
    empty = Credentials(apikey=FAKE_KEY, instance_guid=GUID, url="", region="")
    assert "AI_OPENSCALE_URL" not in empty.env() and "WATSONX_REGION" not in empty.env()


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("export A=1\n", "env"),
        ("# note\n\nexport A=1\n", "env"),
        ("$Env:A = '1'\n", "powershell"),
        ("$ENV:A = '1'\n", "powershell"),
        ("@chcp 65001 >nul\n", "cmd"),
        ("REM x\n", "cmd"),
        ('set "A=1"\n', "cmd"),
        ("set A=1\n", "cmd"),
        ("@echo off\n", "cmd"),
        ("set -gx A '1'\n", "fish"),
        ("A=1\n", "dotenv"),
        ("# x\nAI_OPENSCALE_APIKEY=k\n", "dotenv"),
        ('{"apikey": 1}', "json"),
        ("apikey: x\n", "yaml"),
        ("remote: x\n", "yaml"),
        ("---\napikey: x\n", "yaml"),
    ],
)
def test_the_format_is_told_by_the_first_line_that_is_not_a_comment(text: str, fmt: str) -> None:
    assert detect_format(text) == fmt


# --- reading as the shell would: what it would expand or run is refused ---------------------------

KEY_VAR = "AI_OPENSCALE_APIKEY"
GUID_LINES = {
    "env": f"export AI_OPENSCALE_INSTANCE_GUID={GUID}\n",
    "powershell": f"$Env:AI_OPENSCALE_INSTANCE_GUID = '{GUID}'\n",
    "cmd": f'set "AI_OPENSCALE_INSTANCE_GUID={GUID}"\n',
    "fish": f"set -gx AI_OPENSCALE_INSTANCE_GUID '{GUID}'\n",
}


@pytest.mark.parametrize(
    ("fmt", "line", "value"),
    [
        ("env", f"export {KEY_VAR}=fake-k\\ ey\n", "fake-k ey"),
        ("env", f'export {KEY_VAR}="fake \\"k\\" \\$x"\n', 'fake "k" $x'),
        ("env", f"{KEY_VAR}='fake'\"-k\"ey\n", "fake-key"),
        ("env", f"export {KEY_VAR}='fake\nkey'\n", "fake\nkey"),
        ("powershell", f"$env:{KEY_VAR.lower()}='fake ''k'''  # note\n", "fake 'k'"),
        ("powershell", f'$Env:{KEY_VAR} = "fake k"\n', "fake k"),
        ("cmd", f"@set {KEY_VAR}=fake^&k\n", "fake&k"),
        ("cmd", f'set "{KEY_VAR}=fake "^&" 100%%"\n', 'fake "&" 100%'),
        ("fish", f"set --global --export {KEY_VAR} 'fake \\'k\\' \\\\'\n", "fake 'k' \\"),
        ("fish", f'set -xg {KEY_VAR} "fake k"\n', "fake k"),
    ],
)
def test_hand_written_assignments_are_read_with_the_dialects_own_quoting(
    fmt: str, line: str, value: str
) -> None:
    creds, found = load_with_format(GUID_LINES[fmt] + line)
    assert (found, creds.apikey) == (fmt, value)


@pytest.mark.parametrize(
    ("fmt", "line", "message"),
    [
        ("env", f"export {KEY_VAR}=$SECRET\n", "line 2 has an unquoted character the shell would interpret"),
        ("env", f"export {KEY_VAR}=`cat k`\n", "unquoted character"),
        ("env", f"export {KEY_VAR}=~/k\n", "unquoted character"),
        ("env", f'export {KEY_VAR}="$(cat k)"\n', "line 2 has a double-quoted value the shell would expand"),
        ("env", f"export {KEY_VAR}=a; rm -rf x\n", "unquoted character"),
        ("env", "echo hi\n", "line 2 is not an `export NAME=value` line"),
        ("powershell", f'$Env:{KEY_VAR} = "$k"\n', "would expand"),
        ("powershell", f"$Env:{KEY_VAR} = 'k' + 'x'\n", "more after the quoted value"),
        ("powershell", f"$Env:{KEY_VAR} = Get-Secret\n", "does not assign one quoted string"),
        ("powershell", "<# hidden\n#>\n", "block comment"),
        ("powershell", "Remove-Item x\n", "line 2 is not a `$Env:NAME = 'value'` line"),
        ("cmd", f'set "{KEY_VAR}=%SECRET%"\n', "line 2 has a % that cmd would expand"),
        ("cmd", f"set {KEY_VAR}=a&del x\n", "unescaped &"),
        ("cmd", f"set {KEY_VAR}=a^\n", "ends with ^"),
        ("cmd", "REM trailing caret joins the next line ^\n", "ends with ^"),
        ("cmd", "del x\n", 'is not a `set "NAME=value"` line'),
        ("fish", f"set -g {KEY_VAR} 'k'\n", "is not a `set -gx NAME 'value'` line"),
        ("fish", f"set -gx {KEY_VAR} 'k' 'l'\n", "is not a `set -gx NAME 'value'` line"),
        ("fish", f"set -gx {KEY_VAR} (cat k)\n", "unquoted character"),
        ("fish", f'set -gx {KEY_VAR} "$k"\n', "would expand"),
        ("fish", f"set -gx {KEY_VAR} k\\n\n", "unquoted character"),
    ],
)
def test_what_the_shell_would_expand_run_or_drop_is_refused_with_the_line_number(
    fmt: str, line: str, message: str
) -> None:
    with pytest.raises(errors.UsageError) as caught:
        load_with_format(GUID_LINES[fmt] + line)  # the first line tells the format
    assert message in caught.value.message
    assert f"({fmt})" in caught.value.message
    assert "\n" not in str(caught.value)


def test_a_powershell_or_cmd_line_setting_a_variable_empty_removes_it() -> None:
    with pytest.raises(errors.UsageError, match="has no AI_OPENSCALE_APIKEY"):
        load(f"$Env:{KEY_VAR} = 'k'\n$Env:{KEY_VAR} = ''\n" + GUID_LINES["powershell"])
    with pytest.raises(errors.UsageError, match="has no AI_OPENSCALE_APIKEY"):
        load(f'set "{KEY_VAR}=k"\nset "{KEY_VAR}="\n' + GUID_LINES["cmd"])


def test_two_different_keys_in_one_file_are_refused_rather_than_one_chosen() -> None:
    text = render(MINIMAL, "dotenv").replace(f"WATSONX_APIKEY={FAKE_KEY}", "WATSONX_APIKEY=other")
    with pytest.raises(
        errors.UsageError, match="different values for AI_OPENSCALE_APIKEY and WATSONX_APIKEY"
    ):
        load(text)


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# openscale-creds: {not json", "line 1 is an openscale-creds: comment that is not a JSON object"),
        ('# openscale-creds: {"api_key_id": 5}', "not a JSON object of texts"),
        ("# openscale-creds: " + "[" * 50_000, "not a JSON object"),
        (
            '# openscale-creds: {"api_key_id": "a"}\n# openscale-creds: {"api_key_id": "b"}',
            "line 2 is a second",
        ),
    ],
)
def test_a_damaged_metadata_comment_is_a_usage_error_not_a_guess(comment: str, message: str) -> None:
    with pytest.raises(errors.UsageError) as caught:
        load(comment + "\n" + render(MINIMAL, "env"))
    assert message in caught.value.message


def test_a_metadata_lookalike_inside_a_value_is_part_of_the_value() -> None:
    apikey = 'fake\n# openscale-creds: {"api_key_id": "forged"}\n'
    creds = Credentials(apikey=apikey, instance_guid=GUID, api_key_id="real")
    for fmt in ("env", "fish", "json", "yaml"):
        assert load(render(creds, fmt)) == creds


# --- bad input is a usage error -------------------------------------------------------------------

DIGITS = "1" * 5000  # past CPython's default limit of 4300 digits for int <-> str


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ('{"apikey": ' * 20_000 + "1" + "}" * 20_000, "nested too deeply"),
        ("a: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested too deeply"),
        ("apikey:\n" + "".join(" " * i + "- \n" for i in range(1, 400)) + "x: " + "{a: " * 3000, "YAML"),
        (f'{{"apikey": {DIGITS}, "instance_guid": "{GUID}"}}', "a number too long"),
        (f"apikey: {DIGITS}\ninstance_guid: {GUID}\n", "a number too long"),
        (f"apikey: 0x{'f' * 4000}\ninstance_guid: {GUID}\n", "a number too long"),
    ],
    ids=["json-lists", "json-objects", "yaml-flow", "yaml-block", "json-int", "yaml-int", "yaml-hex"],
)
def test_hostile_documents_are_one_line_usage_errors(text: str, message: str) -> None:
    if "number" in message and not hasattr(sys, "get_int_max_str_digits"):
        pytest.skip("this Python has no digit limit")
    with pytest.raises(errors.UsageError) as caught:
        load(text)
    assert message in caught.value.message
    assert caught.value.exit_code == errors.ExitCode.USAGE
    assert "\n" not in str(caught.value)


NUL_KEY = f"{FAKE_KEY}\0tail"


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"apikey": NUL_KEY, "instance_guid": GUID}),
        f'apikey: "{FAKE_KEY}\\0tail"\ninstance_guid: {GUID}\n',
        f"export {KEY_VAR}='{NUL_KEY}'\n" + GUID_LINES["env"],
        f"{KEY_VAR}={NUL_KEY}\nAI_OPENSCALE_INSTANCE_GUID={GUID}\n",
        f"$Env:{KEY_VAR} = '{NUL_KEY}'\n" + GUID_LINES["powershell"],
        f'set "{KEY_VAR}={NUL_KEY}"\n' + GUID_LINES["cmd"],
        f"set -gx {KEY_VAR} '{NUL_KEY}'\n" + GUID_LINES["fish"],
        json.dumps({"apikey": FAKE_KEY, "instance_guid": GUID, "api_key_name": "\ud800"}),
    ],
    ids=["json", "yaml", "env", "dotenv", "powershell", "cmd", "fish", "json-surrogate"],
)
def test_a_nul_or_a_lone_surrogate_in_a_value_is_a_usage_error_that_never_shows_it(text: str) -> None:
    with pytest.raises(errors.UsageError) as caught:
        load(text)
    assert re.search("contains (a NUL character|a lone surrogate)", caught.value.message)
    assert FAKE_KEY[:12] not in str(caught.value) and "tail" not in str(caught.value)
    assert "\n" not in str(caught.value)


# --- files ----------------------------------------------------------------------------------------


def test_load_file_names_the_path_and_the_format(tmp_path: Path) -> None:
    path = tmp_path / "creds.ps1"
    write_secret(path, render(FULL, "powershell"), encoding=file_encoding("powershell"))
    assert load_file(path) == (FULL, "powershell")
    bad = tmp_path / "bad.json"
    bad.write_text('{"apikey": 1', encoding="utf-8")
    with pytest.raises(
        errors.UsageError, match=rf"^{re.escape(str(bad))}: cannot read the credentials file as JSON"
    ):
        load_file(bad)
    with pytest.raises(errors.UsageError, match="is a folder, not a regular file"):
        load_file(tmp_path)
