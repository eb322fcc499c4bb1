"""`iam api-keys --output json` -> ApiKey tuple. The reference has no verbatim listing, only that it
is an array of the objects `api-key-create --output json` prints, each with ``"apikey": ""`` (§2.3);
so the cases below build on that verbatim object, and one test reads what the fake ibmcloud prints."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _e2e import DEMO_KEY
from conftest import FAKE_IBMCLOUD
from openscale_creds.errors import ParseError
from openscale_creds.models import ApiKey
from openscale_creds.parsers import parse_api_keys

# Reference §2.3, the CPO fixture (VERBATIM), with the value blanked as the listing shows it.
CPO_KEY: dict[str, Any] = {
    "id": "ApiKey-205dd46e-1807-4cba-a536-58d8115bd888",
    "crn": "crn:v1:bluemix:public:iam-identity::a/7475325946904bad9430a1d23105d0c0F-1982086F::apikey:"
    "ApiKey-205dd46e-1807-4cba-a536-58d8115bd888",
    "iam_id": "IBMid-2700044Q35",
    "account_id": "7475325946904bad9430a1d23105d0c0",
    "name": "cpo.api.key",
    "description": "",
    "apikey": "",
    "locked": False,
    "entity_tag": "1-c47ca907b515a855c06f888e578136c0",
    "created_at": "2020-08-14T10:15+0000",
    "created_by": "IBMid-2700044Q35",
    "modified_at": "2020-08-14T10:15+0000",
}


def test_the_listing_becomes_keys_in_its_order_without_values() -> None:
    ours = {**CPO_KEY, "id": "ApiKey-2", "name": "mine", "description": "x, created by openscale-creds"}
    text = json.dumps([CPO_KEY, ours], indent=2)

    keys = parse_api_keys(text)

    assert keys == (
        ApiKey(
            name="cpo.api.key",
            id="ApiKey-205dd46e-1807-4cba-a536-58d8115bd888",
            apikey=None,
            description=None,
            created_at="2020-08-14T10:15+0000",
            locked=False,
        ),
        ApiKey(
            name="mine",
            id="ApiKey-2",
            apikey=None,
            description="x, created by openscale-creds",
            created_at="2020-08-14T10:15+0000",
            locked=False,
        ),
    )


def test_an_empty_listing_is_no_keys_and_noise_around_the_json_is_ignored() -> None:
    assert parse_api_keys("[]\n") == ()
    noisy = "OK\n" + json.dumps([CPO_KEY]) + "\n\nNew version 2.40.0 is available.\n"
    assert [k.name for k in parse_api_keys(noisy)] == ["cpo.api.key"]


def test_a_value_in_the_listing_is_dropped_never_kept() -> None:
    leaked = {**CPO_KEY, "apikey": "should-never-be-here-0123456789"}

    [key] = parse_api_keys(json.dumps([leaked]))

    assert key.apikey is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (json.dumps(CPO_KEY), "expected a JSON array"),
        (json.dumps([{**CPO_KEY, "id": ""}]), "entry 1 (cpo.api.key) has no `id`"),
        (json.dumps([CPO_KEY, {"id": "x"}]), "entry 2 is not an API key object"),
        (json.dumps(["text"]), "entry 1 is not an API key object"),
        ("FAILED\nNot logged in. Use 'ibmcloud login' to log in.\n", "the command failed"),
    ],
)
def test_what_is_not_a_listing_is_a_parse_error_naming_the_command(text: str, message: str) -> None:
    with pytest.raises(ParseError, match="iam api-keys") as caught:
        parse_api_keys(text)
    assert message in str(caught.value)


def test_the_fake_ibmcloud_listing_parses(tmp_path: Path) -> None:
    env = {**os.environ, "IBMCLOUD_HOME": str(tmp_path), "IBMCLOUD_API_KEY": DEMO_KEY}
    subprocess.run([str(FAKE_IBMCLOUD), "login", "--no-region"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [str(FAKE_IBMCLOUD), "iam", "api-keys", "--output", "json"], env=env, check=True, capture_output=True
    )

    keys = parse_api_keys(done.stdout.decode("utf-8"))

    assert [k.name for k in keys] == ["demo-key"]
    assert keys[0].id and keys[0].apikey is None
