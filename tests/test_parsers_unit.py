"""The parsing stages and each parser on the shapes the recorded fixtures do not cover: outputs the
reference quotes inline, failure transcripts, JSON shapes, and what must be refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from openscale_creds.errors import KeyValueMissing, ParseError, UsageError
from openscale_creds.models import INSTANCE_FIELDS, Account
from openscale_creds.parsers import (
    KINDS,
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
from openscale_creds.parsers.common import cut_row, header_columns, kv_rows, numbered
from openscale_creds.regions import service_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

GUID = "0123456789abcdef0123456789abcdef"
GROUP_ID = GUID
G1 = "11111111-0000-4000-8000-111111111111"
G2 = "22222222-0000-4000-8000-222222222222"
G9 = "99999999-0000-4000-8000-999999999999"
G_OTHER = "aaaaaaaa-0000-4000-8000-aaaaaaaaaaaa"
FAKE_KEY = "FAKE-key-0000000000000000000000000000000000"
FAKE_TOKEN = "FAKE.jwt.token"  # noqa: S105 - an obvious fake


# --- normalise / strip_noise ------------------------------------------------------------------------------


def test_normalise_turns_crlf_and_lone_cr_into_lf() -> None:
    assert normalise("a\r\nb\rc\n") == "a\nb\nc\n"


def test_normalise_strips_colour_bold_and_osc_escapes() -> None:
    coloured = "\x1b[36;1mName:\x1b[0m   x\x1b]0;title\x07\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\"
    assert normalise(coloured) == "Name:   xlink"


def test_normalise_lets_an_unterminated_osc_escape_swallow_no_more_than_its_line() -> None:
    assert normalise("a\x1b]0;no terminator\r\nName:   x\n") == "a\nName:   x\n"


def test_normalise_turns_the_sdk_bold_header_bug_into_an_empty_line() -> None:
    # SDK 1.8.1-1.12.0 emitted bold escapes around an all-empty header row even when piped (SDK#491).
    assert normalise("\x1b[1m       \x1b[0m\x1b[1m       \x1b[0m\nName:  x") == "\nName:  x"


def test_normalise_strips_a_bom_at_the_start_and_at_the_start_of_later_lines() -> None:
    assert normalise("\ufeffAPI endpoint: x\n\ufeff\ufeffRegion: y") == "API endpoint: x\nRegion: y"


def test_normalise_drops_trailing_spaces_but_keeps_indentation() -> None:
    assert normalise("Last Operation:   \n      Status   ok   ") == "Last Operation:\n      Status   ok"


def test_normalise_cannot_be_tricked_into_leaving_an_escape_by_nesting_one() -> None:
    assert "\x1b" not in normalise("\x1b\x1b[0m[0mtext")


def test_strip_noise_drops_banners_blank_lines_and_the_version_notice_but_keeps_line_numbers() -> None:
    text = (
        "Retrieving service instance x in all resource groups under account A as u@example.com...\n"
        "OK\n\nName:   x\n\n"
        "New version 2.40.0 is available.\n"
        "Release notes: https://github.com/IBM-Cloud/ibm-cloud-cli-release/releases/tag/v2.40.0\n"
        "TIP: use 'ibmcloud config --check-version=false' to disable update check.\n"
    )
    assert [(line.lineno, line.text) for line in strip_noise(numbered(text))] == [(4, "Name:   x")]


def test_strip_noise_keeps_an_ok_that_is_not_leading() -> None:
    assert [line.text for line in strip_noise(["Name:  x", "OK"])] == ["Name:  x", "OK"]


# --- extract_json -----------------------------------------------------------------------------------------


def test_extract_json_skips_prose_before_and_a_notice_after() -> None:
    text = 'OK\n[{"name": "a"}]\n\nNew version 2.40.0 is available.\n'
    assert extract_json(text) == [{"name": "a"}]


def test_extract_json_without_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no JSON"):
        extract_json("OK\nnothing here\n", "resource service-instances")


def test_extract_json_on_truncated_json_names_the_line_but_never_shows_it() -> None:
    text = f'{{\n  "name": "k",\n  "apikey": "{FAKE_KEY}'
    with pytest.raises(ParseError) as caught:
        extract_json(text, "iam api-key-create")
    assert caught.value.lineno == 3
    assert FAKE_KEY not in str(caught.value)
    assert "iam api-key-create" in str(caught.value)


def test_extract_json_on_absurdly_deep_nesting_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="deeply"):
        extract_json("[" * 100_000)


OLD_NOT_LOGGED_IN = "Not logged in. Use 'ibmcloud login' to log in."
EXPIRED = "Classic: Login token is expired. Please update tokens using 'ibmcloud login' and try again."

# --- find_failure -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "Authenticating...\nOK\nNot logged in.\nFAILED\nBSS Account 'x' was not found.\n",
            "not_found",
            "BSS Account 'x' was not found.",
        ),
        (
            "FAILED\nCould not get resource group:\nError response from server. Status code: 403\n",
            "not_found",
            # The heading alone would drop the reason (issue 11 §7): the line after it is kept.
            "Could not get resource group: Error response from server. Status code: 403",
        ),
        ("FAILED\nNo resource group found\n", "not_found", "No resource group found"),
        (
            "FAILED\nService instance openscale-x was not found\n",
            "not_found",
            "Service instance openscale-x was not found",
        ),
        (
            f"FAILED\n{EXPIRED}\n",
            "not_logged_in",
            EXPIRED,
        ),
        (
            "FAILED\nNot logged in. Use 'ibmcloud login' to log in.\n",
            "not_logged_in",
            "Not logged in. Use 'ibmcloud login' to log in.",
        ),
        ("FAILED\n\nUnable to authenticate.\n", "failed", "Unable to authenticate."),
        (
            "FAILED\n'xxxxx' is not a registered command. See 'ibmcloud help'.\n",
            "usage",
            "'xxxxx' is not a registered command. See 'ibmcloud help'.",
        ),
        ("FAILED\nIncorrect Usage.\n", "usage", "Incorrect Usage."),
        (
            "Incorrect Usage: flag needs an argument: -apikey\n\nNAME:\n   login\n",
            "usage",
            "Incorrect Usage: flag needs an argument: -apikey",
        ),
        ("FEHLGESCHLAGEN\nEtwas ging schief\n", "failed", "Etwas ging schief"),
        ("ECHEC\nx\n", "failed", "x"),
        ("失敗\nx\n", "failed", "x"),
        ("\x1b[31;1m失败\x1b[0m\r\nx\r\n", "failed", "x"),
        ("FAILED\n", "failed", "FAILED"),
    ],
)
def test_find_failure_reads_and_classifies_the_message(text: str, kind: str, message: str) -> None:
    failure = find_failure(text)
    assert failure is not None
    assert (failure.kind, failure.message) == (kind, message)


def test_find_failure_finds_nothing_in_a_successful_output_that_mentions_failure() -> None:
    assert find_failure("Name:    failed-attempts\nState:   FAILED-ish\nOK\n") is None


# --- table primitives -------------------------------------------------------------------------------------


def test_kv_rows_split_at_the_first_colon_and_attach_indented_lines_to_the_row_above() -> None:
    lines = numbered("ID:   crn:v1:x::\nLast Operation:\n     Status    create succeeded\nA sentence\n")
    rows, other = kv_rows(lines)
    assert [(row.key, row.value) for row in rows] == [("ID", "crn:v1:x::"), ("Last Operation", "")]
    assert rows[1].sub == (("Status", "create succeeded"),)
    assert [line.text for line in other] == ["A sentence"]


def test_list_rows_are_cut_at_header_offsets_so_names_with_spaces_and_empty_cells_survive() -> None:
    header = "Name                 Location   State    Type"
    columns = header_columns(header)
    assert [c.name for c in columns] == ["Name", "Location", "State", "Type"]
    assert cut_row(columns, "My Open Scale  one   us-south            service_instance") == [
        "My Open Scale  one",
        "us-south",
        "",
        "service_instance",
    ]


# --- accounts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "account"),
    [
        (
            f"Ronan Bourlier's Account ({GUID}) <-> 1687099",
            Account("Ronan Bourlier's Account", GUID, "1687099"),
        ),
        (f"WATSON CMCIC ({GUID})", Account("WATSON CMCIC", GUID)),
        (f"Acme (EU) Ltd ({GUID})", Account("Acme (EU) Ltd", GUID)),
        (
            "IBM (80d297103c56406aa783749878e0e465b9bf)",
            Account("IBM", "80d297103c56406aa783749878e0e465b9bf"),
        ),
        ("Test Account (fb6......e95) <-> 2...122", Account("Test Account", "fb6......e95", "2...122")),
    ],
)
def test_parse_account_reads_name_guid_and_classic_number(text: str, account: Account) -> None:
    assert parse_account(text) == account


@pytest.mark.parametrize(
    "text", ["xxxxx", "", f"({GUID})", "No account targeted, use 'ibmcloud target -c ID'"]
)
def test_parse_account_returns_none_for_what_is_not_an_account(text: str) -> None:
    assert parse_account(text) is None


# --- target -----------------------------------------------------------------------------------------------

LOGGED_IN = f"""
API endpoint:     https://cloud.ibm.com
Region:           us-south
User:             someone@example.com
Account:          Example ({GUID}) <-> 123
Resource group:   Default
"""


def test_parse_target_reads_a_logged_in_session() -> None:
    target = parse_target(LOGGED_IN)
    assert target.logged_in
    assert (target.region, target.user, target.resource_group) == (
        "us-south",
        "someone@example.com",
        "Default",
    )
    assert target.account == Account("Example", GUID, "123")


@pytest.mark.parametrize(
    "text",
    [
        "API endpoint:   https://cloud.ibm.com\nRegion:         \nNot logged in.\n",
        "API endpoint: https://cloud.ibm.com\nRegion: eu-de\n"
        "Not logged in. Use 'ibmcloud login' to log in.\n",
        "Not logged in. Use 'bluemix login' to log in.\n",
        "API endpoint:   https://cloud.ibm.com\nRegion:\nNot logged in.\nFAILED\nSomething else went wrong\n",
    ],
)
def test_parse_target_reports_no_session_when_the_cli_says_not_logged_in(text: str) -> None:
    assert parse_target(text).logged_in is False


def test_parse_target_reads_the_no_group_hint_whatever_program_path_it_names() -> None:
    windows = LOGGED_IN.replace(
        "Resource group:   Default",
        "Resource group:    No resource group targeted, use "
        "'C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe target -g RESOURCE_GROUP'",
    )
    assert parse_target(windows).resource_group is None


def test_parse_target_reads_no_account_targeted_as_no_account() -> None:
    text = LOGGED_IN.replace(
        f"Example ({GUID}) <-> 123", "No account targeted, use 'ibmcloud target -c ACCOUNT_ID'"
    )
    assert parse_target(text).account is None


def test_parse_target_keeps_a_redacted_account_value_with_an_empty_guid() -> None:
    text = LOGGED_IN.replace(f"Example ({GUID}) <-> 123", "xxxxx")
    assert parse_target(text).account == Account("xxxxx", "")


def test_parse_target_refuses_a_block_that_does_not_say_whether_anyone_is_logged_in() -> None:
    with pytest.raises(ParseError, match="User"):
        parse_target("API endpoint:   https://cloud.ibm.com\nRegion:   us-south\n")


def test_parse_target_turns_a_failure_into_a_parse_error_with_its_message() -> None:
    with pytest.raises(ParseError, match="Could not get resource group"):
        parse_target("FAILED\nCould not get resource group:\nThe following error(s) occurred:\n")


def test_parse_target_reads_the_json_shape_consumers_rely_on() -> None:
    data = {
        "api_endpoint": "https://cloud.ibm.com",
        "region": {"mccp_id": "", "name": "eu-de"},
        "user": {"display_name": "Some One", "user_email": "someone@example.com"},
        "account": {"guid": GUID, "name": "Example", "owner": "someone@example.com"},
        "resource_group": {
            "default": True,
            "guid": GROUP_ID,
            "name": "Default",
            "state": "ACTIVE",
        },
    }
    target = parse_target("OK\n" + json.dumps(data, indent=2))
    assert target.logged_in
    assert (target.region, target.user) == ("eu-de", "someone@example.com")
    assert target.account == Account("Example", GUID)
    assert (target.resource_group, target.resource_group_id) == (
        "Default",
        GROUP_ID,
    )


def test_parse_target_reads_json_with_null_and_empty_parts_as_no_session() -> None:
    data: dict[str, Any] = {
        "api_endpoint": "https://cloud.ibm.com",
        "region": None,
        "user": {},
        "account": {},
        "resource_group": None,
    }
    target = parse_target(json.dumps(data))
    assert (target.logged_in, target.account, target.region, target.resource_group) == (
        False,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"something": "else"},
        {"api_endpoint": 3},
        {"account": "x", "api_endpoint": "e"},
        {"region": ["x"]},
    ],
)
def test_parse_target_refuses_json_of_another_shape(data: Any) -> None:
    with pytest.raises(ParseError):
        parse_target(json.dumps(data))


# --- login ------------------------------------------------------------------------------------------------


def test_parse_login_reports_a_failed_login_as_no_session() -> None:
    text = "Authenticating...\nOK\nNot logged in.\nFAILED\nBSS Account 'x' was not found.\n"
    assert parse_login(text).logged_in is False


def test_parse_login_reports_a_rejected_password_as_no_session() -> None:
    text = "API endpoint: https://cloud.ibm.com\nAuthenticating...\nFAILED\nCredentials were rejected.\n"
    assert parse_login(text).logged_in is False


def test_parse_login_refuses_a_transcript_that_stops_at_a_prompt() -> None:
    text = (
        "API endpoint: https://cloud.ibm.com\n\n"
        "Get a one-time code from https://.../identity/passcode to proceed.\n"
        "Open the URL in the default browser? [Y/n] >"
    )
    with pytest.raises(ParseError, match="ends before"):
        parse_login(text)


def test_parse_login_prefers_the_final_block_to_the_header_lines() -> None:
    text = (
        "API endpoint: https://cloud.ibm.com\nRegion: eu-de\nAuthenticating...\nOK\n\n"
        f"Targeted account Example ({GUID})\n\nTargeted region us-south\n\n"
        "API endpoint:   https://cloud.ibm.com\nRegion:   us-south\nUser:   me@example.com\n"
        f"Account:   Example ({GUID})\n"
    )
    target = parse_login(text)
    assert (target.logged_in, target.region, target.account) == (True, "us-south", Account("Example", GUID))


# --- api-key ----------------------------------------------------------------------------------------------


def _key_table(*rows: str) -> str:
    head = "Creating API key k under a as u...\nOK\nAPI key k was created\n\n"
    return (
        head + "Please preserve the API key! It cannot be retrieved after it's created.\n\n" + "\n".join(rows)
    )


def test_parse_api_key_reads_the_key_table() -> None:
    key = parse_api_key(_key_table("ID            ApiKey-1", "Name          k", f"API Key       {FAKE_KEY}"))
    assert (key.name, key.id, key.apikey, key.description, key.locked) == (
        "k",
        "ApiKey-1",
        FAKE_KEY,
        None,
        None,
    )


def test_parse_api_key_does_not_take_the_created_sentence_for_a_row() -> None:
    text = _key_table("Name          k", f"API Key       {FAKE_KEY}").replace(
        "API key k was created", "API key  my  k was created"
    )
    assert parse_api_key(text).apikey == FAKE_KEY


def test_parse_api_key_refuses_two_different_keys_without_showing_either() -> None:
    text = _key_table("Name          k", f"API Key       {FAKE_KEY}", "API Key       FAKE-other-key")
    with pytest.raises(ParseError) as caught:
        parse_api_key(text)
    assert FAKE_KEY not in str(caught.value)
    assert "FAKE-other-key" not in str(caught.value)


def test_parse_api_key_refuses_the_file_only_output() -> None:
    with pytest.raises(ParseError, match="--file"):
        parse_api_key(
            "Creating API key k under a as u...\nOK\nSuccessfully saved API key information to key.json\n"
        )


def test_parse_api_key_reads_locked_true_and_json_with_a_string_bool() -> None:
    assert parse_api_key(_key_table("Name      k", "Locked    true", f"API Key   {FAKE_KEY}")).locked is True
    assert parse_api_key(json.dumps({"name": "k", "locked": "false", "apikey": FAKE_KEY})).locked is False


@pytest.mark.parametrize(
    "data",
    [[{"name": "k", "apikey": FAKE_KEY}], {"apikey": FAKE_KEY}, {"name": "k", "apikey": 12}, {"name": ["k"]}],
)
def test_parse_api_key_refuses_json_of_another_shape_without_showing_the_key(data: Any) -> None:
    with pytest.raises(ParseError) as caught:
        parse_api_key(json.dumps(data))
    assert FAKE_KEY not in str(caught.value)


def test_parse_api_key_keeps_json_names_and_descriptions_exactly() -> None:
    key = parse_api_key(
        json.dumps({"name": " k 'x' ", "description": "ends in a space ", "apikey": FAKE_KEY})
    )
    assert (key.name, key.description) == (" k 'x' ", "ends in a space ")


def test_api_key_repr_never_shows_the_key() -> None:
    key = parse_api_key(json.dumps({"name": "k", "apikey": FAKE_KEY}))
    assert FAKE_KEY not in repr(key)


# --- instances --------------------------------------------------------------------------------------------


def _rc(name: str, guid: str, service: str, region: str, **extra: Any) -> dict[str, Any]:
    crn = f"crn:v1:bluemix:public:{service}:{region}:a/{GUID}:{guid}::"
    return {
        "guid": guid,
        "id": crn,
        "crn": crn,
        "name": name,
        "region_id": region,
        "resource_plan_id": "plan-1",
        "resource_group_id": GROUP_ID,
        "state": "active",
        "type": "service_instance",
        "created_at": "2021-01-01T00:00:00.0Z",
        "updated_at": "2021-01-02T00:00:00.0Z",
        "last_operation": {"type": "create", "state": "succeeded"},
        "parameters": None,
        **extra,
    }


def test_parse_instances_maps_resource_controller_json_and_gives_openscale_its_url() -> None:
    data = [
        _rc(
            "os-1",
            G1,
            "aiopenscale",
            "eu-de",
            resource_group_name="Default",
        ),
        _rc("db", G2, "cloudantnosqldb", "us-south"),
    ]
    first, second = parse_instances("OK\n" + json.dumps(data, indent=2))
    assert (first.name, first.guid, first.location, first.service_name) == (
        "os-1",
        G1,
        "eu-de",
        "aiopenscale",
    )
    assert (first.plan_id, first.resource_group_id, first.resource_group) == (
        "plan-1",
        GROUP_ID,
        "Default",
    )
    assert first.url == "https://eu-de.api.aiopenscale.cloud.ibm.com"
    assert second.url is None


def test_parse_instances_keeps_json_names_exactly_outer_spaces_included() -> None:
    (instance,) = parse_instances(json.dumps([_rc("  padded  name ", G1, "aiopenscale", "us-south")]))
    assert instance.name == "  padded  name "


def test_parse_instances_takes_the_guid_from_the_crn_when_it_is_missing() -> None:
    item = _rc("os", G9, "aiopenscale", "us-south")
    del item["guid"]
    (instance,) = parse_instances(json.dumps([item]))
    assert instance.guid == G9
    assert instance.url == "https://api.aiopenscale.cloud.ibm.com"


def test_parse_instances_reads_an_empty_array_as_no_instances() -> None:
    assert parse_instances("[]\n") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resources": []}, "no name"),
        ("text", "JSON array"),
        ([1], "not an object"),
        ([{"name": "x"}], "no GUID"),
        ([{"name": "x", "guid": 5}], "not a string"),
    ],
)
def test_parse_instances_refuses_json_it_cannot_map(data: Any, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_instances(json.dumps(data))


BLOCK = """Name:                  {name}
ID:                    crn:v1:bluemix:public:aiopenscale:{region}:a/{account}:{guid}::
GUID:                  {guid}
Location:              {region}
Service Name:          aiopenscale
Service Plan Name:     lite
Resource Group Name:   {group}
State:                 active
Type:                  service_instance
Last Operation:
                       Status    create succeeded
                       Message   Completed create instance operation
"""


def _block(name: str, guid: str, region: str = "us-south", group: str = "Default") -> str:
    return BLOCK.format(name=name, guid=guid, region=region, group=group, account=GUID)


def test_parse_instances_reads_several_text_blocks() -> None:
    text = "Retrieving service instance os in all resource groups under account A as u...\nOK\n\n"
    text += _block("os", G1) + "\n" + _block("os", G2, "eu-gb", "Other")
    first, second = parse_instances(text)
    assert (first.guid, first.plan, first.resource_group, first.url) == (
        G1,
        "lite",
        "Default",
        "https://api.aiopenscale.cloud.ibm.com",
    )
    assert (second.guid, second.location, second.resource_group) == (
        G2,
        "eu-gb",
        "Other",
    )


def test_parse_instances_refuses_a_block_with_two_different_guids() -> None:
    text = _block("os", G1).replace("State:", f"GUID:                  {G_OTHER}\nState:")
    with pytest.raises(ParseError, match="two different") as caught:
        parse_instances(text)
    assert caught.value.lineno == 8  # the second GUID row


def test_parse_instances_refuses_rows_before_the_first_name() -> None:
    with pytest.raises(ParseError, match="before the first"):
        parse_instances(f"GUID:   {G1}\nName:   os\n")


def test_parse_instances_reads_a_none_found_message_as_no_instances() -> None:
    assert (
        parse_instances(
            "Retrieving instances with type service_instance...\nOK\nNo service instance found.\n"
        )
        == []
    )


def test_parse_instances_turns_a_not_found_failure_into_a_parse_error_with_its_message() -> None:
    with pytest.raises(ParseError, match="was not found"):
        parse_instances("FAILED\nService instance os was not found\n")


def test_the_list_table_joins_cells_that_a_narrow_renderer_wrapped() -> None:
    text = (
        "Name                Location   State    Type\n"
        "Watson OpenScale    us-south   active   service_instance\n"
        "my instance\n"
        "other               eu-de      active   service_instance\n"
    )
    first, second = parse_instance_list_table(text)
    assert (first.name, first.location, first.guid) == ("Watson OpenScale my instance", "us-south", "")
    assert second.name == "other"


def test_the_list_table_refuses_text_without_a_header() -> None:
    with pytest.raises(ParseError, match="header"):
        parse_instance_list_table("Name:   os\n")


# --- oauth-tokens -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"IAM token:  Bearer {FAKE_TOKEN}\n",
        f"IAM token:  Bearer {FAKE_TOKEN}\nUAA token:  Bearer other\n",
        json.dumps({"iam_token": f"Bearer {FAKE_TOKEN}", "uaa_token": ""}, indent=2),
        f'OK\n{{"iam_token": "{FAKE_TOKEN}"}}\n',
    ],
)
def test_parse_oauth_tokens_returns_the_token_without_bearer(text: str) -> None:
    assert parse_oauth_tokens(text) == FAKE_TOKEN


@pytest.mark.parametrize(
    "text",
    [
        f"IAM token:  Bearer {FAKE_TOKEN} trailing\n",
        f"IAM token:  Basic {FAKE_TOKEN}\n",
        f'{{"token": "Bearer {FAKE_TOKEN}"}}',
        f'{{"iam_token": "Bearer {FAKE_TOKEN}"',
        "IAM token:  Bearer\n",
        f"FAILED\nNot logged in. Use 'ibmcloud login' to log in.\n{FAKE_TOKEN}\n",
    ],
)
def test_parse_oauth_tokens_errors_never_show_the_token(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_oauth_tokens(text)
    assert FAKE_TOKEN not in str(caught.value)
    assert caught.value.line is None


# --- version ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("ibmcloud 2.38.1 (4d6f1efc2-2025-11-10T22:18:45+00:00)\nCopyright IBM Corp. 2014, 2025\n", "2.38.1"),
        ("ibmcloud version 1.2.3+3577aee-2020-09-25T14:55:44+00:00\n", "1.2.3"),
        ("C:\\Program Files\\IBM\\Cloud\\bin\\ibmcloud.exe version 2.11.1+abc-2022-01-01\r\n", "2.11.1"),
        ("/usr/local/bin/ibmcloud version 0.20.0+c1d1e1-2019-11-19\n", "0.20.0"),
    ],
)
def test_parse_version_reads_every_known_form(text: str, version: str) -> None:
    assert parse_version(text) == version


def test_parse_version_refuses_output_without_a_version() -> None:
    with pytest.raises(ParseError, match="--version"):
        parse_version("Copyright IBM Corp. 2014, 2025\n")


# --- regions and the dispatcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us-south", "https://api.aiopenscale.cloud.ibm.com"),
        ("eu-de", "https://eu-de.api.aiopenscale.cloud.ibm.com"),
        ("au-syd", "https://au-syd.api.aiopenscale.cloud.ibm.com"),
        ("ca-tor", "https://ca-tor.api.aiopenscale.cloud.ibm.com"),
        ("jp-tok", "https://jp-tok.api.aiopenscale.cloud.ibm.com"),
        (" EU-GB ", "https://eu-gb.api.aiopenscale.cloud.ibm.com"),
        ("us-east", None),
        ("", None),
        (None, None),
    ],
)
def test_service_url_knows_the_openscale_regions_and_nothing_else(
    region: str | None, url: str | None
) -> None:
    assert service_url(region) == url


def test_parse_of_an_unknown_kind_is_a_usage_error_listing_the_kinds() -> None:
    with pytest.raises(UsageError, match="oauth-tokens"):
        parse("service-keys", "")


def test_parse_prints_instances_with_every_field_in_model_order() -> None:
    (printed,) = parse(
        "instances",
        json.dumps([_rc("os", G1, "aiopenscale", "us-south")]),
    )
    assert tuple(printed) == INSTANCE_FIELDS


def test_parse_prints_the_target_account_as_name_and_guid() -> None:
    printed = parse("target", LOGGED_IN)
    assert printed["account"] == {"name": "Example", "guid": GUID}
    assert set(printed) == {
        "logged_in",
        "api_endpoint",
        "account",
        "region",
        "resource_group",
        "resource_group_id",
        "user",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_reports_empty_output_as_a_parse_error_naming_the_command(kind: str) -> None:
    with pytest.raises(ParseError, match="cannot read `ibmcloud "):
        parse(kind, "\n  \n")


def test_importing_the_parsers_loads_neither_yaml_nor_pexpect() -> None:
    code = "import sys, openscale_creds.parsers; print(sorted({'yaml', 'pexpect'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- no answer from garbage: every GUID, CRN and key handed out is one (parsers/validate.py) -------------

_UUID = "4b5c6d00-0000-4000-8000-000000000001"
_CRN = f"crn:v1:bluemix:public:aiopenscale:us-south:a/0123456789abcdef0123456789abcdef:{_UUID}::"


@pytest.mark.parametrize(
    "guid", ["   ", "junk", "g-1", "4b5c6d", "4b5c6d00 0000 4000 8000 000000000001", "not-a-guid-at-all-xyz"]
)
def test_parse_instances_refuses_an_instance_whose_guid_is_not_one(guid: str) -> None:
    item = {"name": "os", "guid": guid, "region_id": "us-south"}
    with pytest.raises(ParseError, match="GUID"):
        parse_instances(json.dumps([item]))


@pytest.mark.parametrize("crn", ["crn:v1:bluemix", "crn:v1:bluemix:public::us-south:a/1:x::", "crn: v1 junk"])
def test_parse_instances_refuses_a_crn_that_is_not_one(crn: str) -> None:
    with pytest.raises(ParseError, match="CRN"):
        parse_instances(f"Name:   os\nID:     {crn}\nGUID:   {_UUID}\n")


@pytest.mark.parametrize(
    "guid",
    [
        _UUID,
        _UUID.upper(),
        GROUP_ID,
        "SECRET",
        "<redacted>",
        "xxxxxxxx",
        "fb6......e95",
    ],
)
def test_parse_instances_accepts_real_guid_forms_and_the_redactions_of_doc_samples(guid: str) -> None:
    (instance,) = parse_instances(f"Name:   os\nGUID:   {guid}\n")
    assert instance.guid == guid


def test_parse_instances_refuses_a_table_row_whose_group_id_is_not_a_guid() -> None:
    table = (
        "Name   Location   State    Type               Resource Group ID\n"
        "os     us-south   active   service_instance   junk\n"
    )
    with pytest.raises(ParseError, match=r"line 2.*GUID"):
        parse_instances(table)


def test_parse_instance_refuses_a_name_line_followed_by_junk() -> None:
    for text in (
        "Name   foo\njunk   here\n",
        "Name:   foo\njunk here\n",
        "Name   foo  State\njunk   x   y\n",
    ):
        with pytest.raises(ParseError):
            parse("instance", text)


def test_parse_instance_refuses_a_list_table_it_cannot_take_a_guid_from() -> None:
    text = (FIXTURES / "instances--vpc-doc-group-id.out").read_text(encoding="utf-8")
    assert parse("instances", text)[0]["guid"] == ""  # the list command prints none
    with pytest.raises(ParseError, match="no GUID"):
        parse("instance", text)


def test_parse_api_key_refuses_a_result_without_a_key() -> None:
    for row in ("API Key", "API Key       -"):
        with pytest.raises(ParseError, match="no API key value"):
            parse_api_key(_key_table("ID            ApiKey-1", "Name          k", row))
    for value in (None, "", "   "):
        with pytest.raises(ParseError, match="API key value"):
            parse_api_key(json.dumps({"name": "k", "id": "ApiKey-1", "apikey": value}))


def test_an_api_key_answer_without_a_value_still_names_the_key_and_its_id_to_delete_it_by() -> None:
    answers = [
        _key_table("ID            ApiKey-1", "Name          k", "API Key       -"),
        json.dumps({"name": "k", "id": "ApiKey-1", "apikey": ""}),
        json.dumps({"name": "k", "id": "ApiKey-1"}),
    ]
    for text in answers:
        with pytest.raises(KeyValueMissing, match="iam api-key-create") as caught:
            parse_api_key(text)
        key = caught.value.key
        assert (key.name, key.id, key.apikey) == ("k", "ApiKey-1", None)


def test_the_parse_command_exits_7_on_an_instance_without_a_guid_and_a_key_table_without_a_key() -> None:
    instance = run_cli(["parse", "instance"], input="Name   foo\njunk   here\n")
    key = run_cli(["parse", "api-key"], input="Please preserve the API key!\n\nName   k\nID     ApiKey-1\n")

    assert (instance.returncode, key.returncode) == (7, 7), instance.stderr + key.stderr
    assert instance.stdout == key.stdout == ""
    assert "no API key value" in key.stderr
