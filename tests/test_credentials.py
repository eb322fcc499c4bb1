"""Credential formats: what each file says, that the consumer reading it (sh, bash, the OpenScale
SDKs, ibm-cloud-sdk-core) gets the exact values back, and that every format `render` writes loads
back to the same credentials (`load`), including what rotation needs (the key's id)."""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openscale_creds import errors
from openscale_creds.credentials import (
    DOCUMENT_KEYS,
    FORMATS,
    Credentials,
    file_encoding,
    format_from_path,
    load,
    mask,
    masked,
    detect_format,
    load_file,
    load_with_format,
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
