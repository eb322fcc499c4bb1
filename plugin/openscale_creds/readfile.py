"""Reading the small files a user points us at (credentials files, `--apikey-file`) with limits.

A path from the command line can name anything: a FIFO (reading it blocks until a writer comes,
forever if none does), a device (``/dev/zero`` never ends, ``/dev/tty`` waits for the keyboard), a
folder, or a huge file. Each of these is refused before a byte is read: the file is opened with
``O_NONBLOCK`` (so opening a FIFO cannot block either), the *opened* descriptor is checked with
``fstat`` (so a symlink swapped after a check cannot redirect the read), and at most ``limit + 1``
bytes are read, so a file that grows, or a /proc file that reports size 0, still cannot take more.

Every refusal is a one-line `errors.UsageError` (exit 2) naming the path and the fix.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from openscale_creds.errors import UsageError

# 64 KiB. The largest credentials file this tool writes is about 2 kB (a 44-character key, a GUID, a
# URL and the names); names at IBM Cloud's length limits, every character outside the BMP, escaped in
# the metadata comment and then re-saved as UTF-16 by a Windows editor stay under 32 KiB. Anything
# past 64 KiB is not a credentials file, and reading 64 KiB costs nothing.
CREDENTIALS_FILE_LIMIT = 64 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _size_text(limit: int) -> str:
    return f"{limit // 1024} kB" if limit >= 1024 and limit % 1024 == 0 else f"{limit} bytes"


def _open_checked(path: Path, *, what: str, limit: int) -> int:
    """An fd open for reading on `path`, known to be a regular file of at most `limit` bytes."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. It does not exist on
    # Windows, where opening a pipe does not block. O_NOCTTY: a terminal never becomes ours.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _open_error(path, what, exc) from None
    try:
        mode = os.fstat(fd)
        if not stat.S_ISREG(mode.st_mode):
            raise UsageError(
                f"{what} {path} is {_kind(mode.st_mode)}, not a regular file",
                hint=f"give the path of the {what} itself",
            )
        if mode.st_size > limit:
            raise _too_large(path, what, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_error(path: Path, what: str, exc: OSError) -> UsageError:
    if exc.errno == errno.ENOENT:
        return UsageError(f"{what} {path} does not exist", hint="check the path")
    if exc.errno in (errno.EISDIR, errno.EACCES) and os.path.isdir(path):
        # Windows refuses to open a folder with EACCES.
        return UsageError(
            f"{what} {path} is a folder, not a regular file", hint=f"give the path of the {what} itself"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UsageError(
            f"cannot read {what} {path}: permission denied", hint="check the file's permissions"
        )
    reason = exc.strerror or type(exc).__name__
    return UsageError(f"cannot read {what} {path}: {reason}", hint="check the path")


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _too_large(path: Path, what: str, limit: int) -> UsageError:
    return UsageError(
        f"{what} {path} is larger than {_size_text(limit)}: not {_article(what)} {what}",
        hint="check the path",
    )


def read_small_file(path: Path, *, what: str, limit: int = CREDENTIALS_FILE_LIMIT) -> bytes:
    """The bytes of the regular file `path`, refusing anything else before reading it.

    `what` names the file in messages ("credentials file"). Refused, each as one-line `UsageError`:
    a missing file ("does not exist", only for ENOENT), a folder, FIFO, device or socket ("is a named
    pipe (FIFO), not a regular file", symlinks followed), a file over `limit` bytes ("is larger than
    64 kB: not a credentials file"), one we may not read ("permission denied").
    """
    fd = _open_checked(path, what=what, limit=limit)
    try:
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            try:
                chunk = os.read(fd, left)
            except OSError as exc:
                raise UsageError(f"cannot read {what} {path}: {exc.strerror or 'read failed'}") from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _too_large(path, what, limit)
    return data


def check_small_file(path: Path, *, what: str, limit: int = CREDENTIALS_FILE_LIMIT) -> None:
    """Refuse `path` as `read_small_file` would, without reading it: for a file another program
    reads (``ibmcloud login --apikey @FILE``), so that program is never handed a FIFO, a device, a
    folder or a huge file, and a missing or unreadable file is a clear message here."""
    os.close(_open_checked(path, what=what, limit=limit))


def check_api_key_file(path: Path, *, what: str = "API key file") -> None:
    """Refuse `path` as `check_small_file` does, and also a file whose key holds a NUL character (as a
    byte, or as JSON's ``\\u0000``): no API key has one, and a file saved as UTF-16 has one after
    every letter. ``ibmcloud`` would only say "Unable to authenticate" (exit 4) about such a key."""
    data = read_small_file(path, what=what)
    if b"\0" in data or b"\\u0000" in data:
        raise UsageError(
            f"{what} {path} holds a NUL character, which no API key has",
            hint="save the file as UTF-8 or plain ASCII text, not UTF-16",
        )
