"""The masker hides values, not words, and catches a secret quoted back in pieces; control characters
from names and messages are shown as escapes instead of reaching the terminal."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _e2e import DEMO_KEY, INSTANCE, INSTANCE_GUID, WORLD, World
from conftest import run_cli
from openscale_creds import redact
from openscale_server import FAKE_TOKEN, FakeOpenScale, running_server

# --- values, not words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "the bearer token is empty or contains spaces or control characters",
        "The bearer token is not valid or has expired.",
        "Bearer Token authentication failed",
        "pass a Bearer token-based header",
        "IAM token expired; log in again",
        "API Key was created",
        "Login token is expired",
    ],
)
def test_the_tools_own_words_survive_masking(message: str) -> None:
    assert redact.mask(message) == message


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl", "Authorization: Bearer ***"),
        ("Authorization: bearer abc123def456", "Authorization: bearer ***"),
        ("IAM token:  Bearer eyJraWQiOiIyMDI0", "IAM token:  ***"),
        ("UAA token: bearer-ish-value", "UAA token: ***"),
        ("API Key              q1w2e3r4t5y6", "API Key              ***"),
        ("API Key: q1w2e3r4t5y6", "API Key: ***"),
        ('{"access_token": "eyJhbGciOi", "expires_in": 3600}', '{"access_token": "***", "expires_in": 3600}'),
        ('{"apikey": "cut-off-in-the-mid', '{"apikey": "***'),
        ("Bearer eyJ", "Bearer ***"),  # a token cut short is still not a word
    ],
)
def test_secret_shaped_values_are_still_masked(raw: str, masked: str) -> None:
    assert redact.mask(raw) == masked


def test_a_short_registered_secret_is_masked_as_a_word_but_not_inside_other_words() -> None:
    short = "q" + uuid.uuid4().hex[:4]  # 5 characters, like a mistyped code
    redact.register(short)
    assert redact.mask(f"code {short} was rejected") == "code *** was rejected"
    assert redact.mask(f"({short})") == "(***)"
    assert redact.mask(f"x{short}y and {short}9") == f"x{short}y and {short}9"


def test_secrets_shorter_than_four_characters_are_not_registered() -> None:
    redact.register("tok")
    assert redact.mask("token tok") == "token tok"


# --- secrets quoted back in pieces ----------------------------------------------------------------


def test_a_token_echoed_with_a_space_inside_is_masked_in_both_pieces() -> None:
    token = f"eyJ{uuid.uuid4().hex}.{uuid.uuid4().hex}"
    redact.register(token)
    echoed = f"invalid token {token[:20]} {token[20:]} (request 42)"
    shown = redact.mask(echoed)
    assert shown == "invalid token *** *** (request 42)"


def test_a_token_wrapped_over_lines_is_masked_in_every_line() -> None:
    token = f"k{uuid.uuid4().hex}{uuid.uuid4().hex}"
    redact.register(token)
    wrapped = "\n".join(token[i : i + 24] for i in range(0, len(token), 24))
    assert redact.mask(f"echo:\n{wrapped}\nend") == "echo:\n***\n***\n***\nend"


def test_a_fragment_of_eight_characters_is_masked_and_of_seven_is_left() -> None:
    key = f"Z{uuid.uuid4().hex}"
    redact.register(key)
    assert redact.mask(f"[{key[5:13]}]") == "[***]"
    assert redact.mask(f"[{key[5:12]}]") == f"[{key[5:12]}]"


def test_the_parts_of_a_secret_that_contains_spaces_are_masked_when_quoted_apart() -> None:
    part_a, part_b = uuid.uuid4().hex[:12], uuid.uuid4().hex[:10]
    secret = f"{part_a} and {part_b}"
    redact.register(secret)
    assert redact.mask(f"{secret}!") == "***!"
    assert redact.mask(f"got {part_b}, then {part_a}") == "got ***, then ***"


def test_text_without_any_registered_fragment_is_unchanged() -> None:
    redact.register(f"unrelated-{uuid.uuid4().hex}")
    text = "Finding service instance AI OpenScale-my_instance … ✓ done (0.12 s)\n"
    assert redact.mask(text) == text


# --- control characters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("red \x1b[31mname\x1b[0m", "red \\x1b[31mname\\x1b[0m"),
        ("over\rwrite", "over\\x0dwrite"),
        ("bell\x07 back\x08 nul\x00 del\x7f", "bell\\x07 back\\x08 nul\\x00 del\\x7f"),
        ("c1 \x9b31m csi", "c1 \\x9b31m csi"),
        ("report\u202eexe.txt", "report\\u202eexe.txt"),
        ("\u2066isolate\u2069 \u202aembed\u202c", "\\u2066isolate\\u2069 \\u202aembed\\u202c"),
        ("marks \u200e\u200f\u061c", "marks \\u200e\\u200f\\u061c"),
        ("line\u2028separator", "line\\u2028separator"),
    ],
)
def test_control_characters_are_shown_as_escapes(raw: str, shown: str) -> None:
    assert redact.clean_for_terminal(raw) == shown


def test_newlines_tabs_crlf_and_ordinary_unicode_are_kept() -> None:
    text = "OpenScale café ☁ 日本\tok → ✓ …\r\nnext line\n"
    assert redact.clean_for_terminal(text) == "OpenScale café ☁ 日本\tok → ✓ …\nnext line\n"


def test_for_terminal_masks_then_escapes() -> None:
    token = f"eyJ{uuid.uuid4().hex}"
    redact.register(token)
    assert redact.for_terminal(f"\x1b]0;{token}\x07") == "\\x1b]0;***\\x07"


# --- end to end: the installed command ----------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeOpenScale]:
    with running_server() as s:
        yield s


def ids_against(server: FakeOpenScale, tmp_path: Path) -> list[str]:
    from openscale_server import DATA_MART_ID, FAKE_APIKEY

    path = tmp_path / "creds.json"
    creds = {"apikey": FAKE_APIKEY, "instance_guid": DATA_MART_ID, "url": server.url, "region": "us-south"}
    path.write_text(json.dumps(creds), encoding="utf-8")
    return ["ids", "--credentials", str(path)]


def test_the_servers_sentence_about_the_bearer_token_reaches_the_user_whole(
    server: FakeOpenScale, tmp_path: Path
) -> None:
    # The CLI session's token is one this server never issued: it answers 401 with its sentence.
    env = World(tmp_path).env()
    assert run_cli(["login"], env={**env, "IBMCLOUD_API_KEY": DEMO_KEY}).returncode == 0
    done = run_cli(
        ["ids", "--instance", INSTANCE, "--field", "data_mart_id"],
        env={**env, "OPENSCALE_CREDS_SERVICE_URL": server.url},
    )
    assert done.returncode == 4, done.stderr
    assert "The bearer token is not valid or has expired." in done.stderr
    assert "***" not in done.stderr


def test_a_token_the_server_echoes_with_a_space_inside_is_masked(
    server: FakeOpenScale, tmp_path: Path
) -> None:
    head, tail = FAKE_TOKEN[:16], FAKE_TOKEN[16:]
    server.scenario.fail_status = 500
    server.scenario.fail_body = json.dumps(
        {"errors": [{"code": "internal_error", "message": f"database unavailable for {head} {tail}"}]}
    )
    done = run_cli(ids_against(server, tmp_path), env={"OPENSCALE_CREDS_IAM_URL": server.iam_url})
    assert done.returncode == 8, done.stderr
    assert "database unavailable for *** ***" in done.stderr
    assert head not in done.stderr and tail not in done.stderr


def test_control_characters_in_an_instance_name_are_escaped_in_progress_and_messages(tmp_path: Path) -> None:
    evil = "evil\x1b[2J\x1b]0;pwned\x07\u202etxt.exe"
    world_doc = json.loads(json.dumps(WORLD))
    for instance in world_doc["instances"]:
        if instance["guid"] == INSTANCE_GUID:
            instance["name"] = evil
    world_file = tmp_path / "world.json"
    world_file.write_text(json.dumps(world_doc), encoding="utf-8")
    out = tmp_path / "creds.yaml"
    env = World(tmp_path).env(FAKE_IBMCLOUD_WORLD=str(world_file), IBMCLOUD_API_KEY=DEMO_KEY)
    done = run_cli(["setup", "--instance", INSTANCE_GUID, "--group", "Default", "--out", str(out)], env=env)
    assert done.returncode == 0, done.stderr
    for char in ("\x1b", "\x07", "\u202e"):
        assert char not in done.stderr
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202etxt.exe" in done.stderr  # shown, as escapes
    import yaml

    assert evil in yaml.safe_load(out.read_text(encoding="utf-8")).values()  # the data is kept exact
