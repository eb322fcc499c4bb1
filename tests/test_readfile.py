"""Files a user names are read with limits: a FIFO, a device, a folder or a huge file is refused
before it is read, promptly, as a one-line usage error (exit 2).

Each hostile case runs in a child process with a timeout, so a hang fails the test instead of
blocking the run, and a read of /dev/zero cannot take the test runner's memory with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openscale_creds import errors
from openscale_creds.credentials import Credentials, load_file, render
from openscale_creds.readfile import CREDENTIALS_FILE_LIMIT, check_small_file, read_small_file

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev are POSIX")
PROMPT = 10.0  # seconds: generous under a loaded CI machine; a hang is forever

CHILD = """
import json, sys
from pathlib import Path
from openscale_creds import credentials, errors, readfile
how, path = sys.argv[1], Path(sys.argv[2])
try:
    if how == "read":
        readfile.read_small_file(path, what="credentials file")
    elif how == "check":
        readfile.check_small_file(path, what="API key file")
    else:
        credentials.load_file(path)
    print(json.dumps({"ok": True}))
except errors.CredsError as exc:
    print(json.dumps({"ok": False, "code": int(exc.exit_code), "message": str(exc)}))
"""


def guarded(how: str, path: Path) -> dict[str, object]:
    """Run read/check/load on `path` in a child; its answer, or a failure if it takes too long."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, how, str(path)],
            capture_output=True,
            text=True,
            timeout=PROMPT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{how} of {path} did not return within {PROMPT} s")
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    answer["seconds"] = time.monotonic() - started
    return answer


def refused(how: str, path: Path, message: str) -> None:
    answer = guarded(how, path)
    assert answer["ok"] is False, answer
    assert answer["code"] == errors.ExitCode.USAGE
    shown = str(answer["message"])
    assert message in shown and "\n" not in shown, shown
    assert str(path) in shown


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "creds.yaml"
    os.mkfifo(path)
    return path


@posix_only
@pytest.mark.parametrize("how", ["read", "check", "load"])
def test_a_fifo_with_no_writer_is_refused_at_once_instead_of_hanging(how: str, fifo: Path) -> None:
    refused(how, fifo, "is a named pipe (FIFO), not a regular file")


@posix_only
def test_a_symlink_to_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "creds.json"
    link.symlink_to("/dev/zero")
    for how in ("read", "check", "load"):
        refused(how, link, "is a character device, not a regular file")


@posix_only
@pytest.mark.parametrize("how", ["read", "check", "load"])
def test_a_100_mb_sparse_file_is_refused_by_its_size_without_reading_it(how: str, tmp_path: Path) -> None:
    path = tmp_path / "creds.yaml"
    with open(path, "wb") as fobj:
        fobj.truncate(100 * 1024 * 1024)
    answer = guarded(how, path)
    assert answer["ok"] is False and answer["code"] == errors.ExitCode.USAGE
    what = "an API key file" if how == "check" else "a credentials file"
    assert f"is larger than 64 kB: not {what}" in str(answer["message"])
    assert float(str(answer["seconds"])) < PROMPT


@pytest.mark.parametrize("how", ["read", "check", "load"])
def test_a_folder_is_refused_as_not_a_regular_file(how: str, tmp_path: Path) -> None:
    refused(how, tmp_path, "is a folder, not a regular file")


@pytest.mark.parametrize("how", ["read", "check", "load"])
def test_only_a_missing_file_is_said_not_to_exist(how: str, tmp_path: Path) -> None:
    refused(how, tmp_path / "nope.yaml", "does not exist")
    refused(how, tmp_path / "nope" / "deeper.yaml", "does not exist")


@posix_only
def test_a_dangling_symlink_does_not_exist_and_a_loop_is_named_as_such(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "gone")
    refused("read", dangling, "does not exist")
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    refused("read", loop, "cannot read credentials file")


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_text("apikey: x\n", encoding="utf-8")
    path.chmod(0)
    refused("read", path, "permission denied")
    refused("check", path, "permission denied")


def test_a_file_at_the_limit_is_read_whole_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "creds.yaml"
    path.write_bytes(b"x" * CREDENTIALS_FILE_LIMIT)
    assert read_small_file(path, what="credentials file") == b"x" * CREDENTIALS_FILE_LIMIT
    check_small_file(path, what="API key file")
    path.write_bytes(b"x" * (CREDENTIALS_FILE_LIMIT + 1))
    with pytest.raises(errors.UsageError, match="is larger than 64 kB"):
        read_small_file(path, what="credentials file")
    with pytest.raises(errors.UsageError, match="is larger than 64 kB: not an API key file"):
        check_small_file(path, what="API key file")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc")
def test_a_file_that_reports_size_zero_is_still_read_only_up_to_the_limit() -> None:
    # /proc files are regular files of st_size 0 whose content comes on read.
    status = Path("/proc/self/status")
    assert os.stat(status).st_size == 0
    assert b"Name:" in read_small_file(status, what="credentials file")
    with pytest.raises(errors.UsageError, match="is larger than 16 bytes"):
        read_small_file(status, what="credentials file", limit=16)


def test_the_largest_file_we_write_is_far_below_the_limit_even_as_utf16() -> None:
    # Names far past IBM Cloud's limits, every character outside the BMP (12 bytes as a \\u escape
    # pair in the cmd comment, 4 in UTF-8).
    long = "😀" * 256
    creds = Credentials(
        apikey="k" * 64,
        instance_guid="00000000-1111-2222-3333-444444444444",
        url="https://api.aiopenscale.cloud.ibm.com",
        region=long,
        resource_group=long,
        instance_name=long,
        instance_crn="crn:" + "x" * 512,
        api_key_name=long,
        api_key_id="ApiKey-00000000-aaaa-bbbb-cccc-000000000000",
        created_at="2026-01-02T03:04:05.000Z",
    )
    for fmt in ("yaml", "json", "env", "powershell", "cmd", "fish", "dotenv"):
        assert len(render(creds, fmt).encode("utf-16")) < CREDENTIALS_FILE_LIMIT / 2, fmt


def test_a_regular_credentials_file_is_read_through_the_limits(tmp_path: Path) -> None:
    creds = Credentials(apikey="fake-key", instance_guid="00000000-1111-2222-3333-444444444444")
    path = tmp_path / "creds.fish"
    path.write_text(render(creds, "fish"), encoding="utf-8")
    assert load_file(path) == (creds, "fish")
    assert guarded("load", path)["ok"] is True
