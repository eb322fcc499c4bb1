"""A real Secret Service for the keychain tests: gnome-keyring-daemon on a private D-Bus session bus.

`start(folder)` runs ``dbus-daemon --session`` and ``gnome-keyring-daemon --components=secrets``
(unlocked with a password on its stdin, as a PAM login does) with HOME and the XDG folders inside
`folder`, so the user's own keyring is never touched. `SecretService.env` is what a process needs to
use it (DBUS_SESSION_BUS_ADDRESS and friends); `stop()` ends both daemons. Where the daemons are not
installed, `MISSING` says why and the keychain tests skip with that reason (``.ci/run`` installs
them on CI).

`NO_DBUS` is the opposite: an environment where keyring can find no D-Bus at all.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PASSWORD = "test-login-password"  # noqa: S105  (the throwaway test keyring's own login password)

MISSING: str | None = None
if not sys.platform.startswith("linux"):
    MISSING = "the Secret Service tests run on Linux only"
elif shutil.which("dbus-daemon") is None or shutil.which("gnome-keyring-daemon") is None:
    MISSING = (
        "gnome-keyring-daemon or dbus-daemon is not installed "
        "(apt-get install gnome-keyring dbus; .ci/run does this on CI)"
    )


@dataclass
class SecretService:
    folder: Path
    env: dict[str, str]
    runtime: Path
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.env["DBUS_SESSION_BUS_ADDRESS"]

    def items(self, service: str = "openscale-creds") -> list[tuple[str, str]]:
        """What the Secret Service holds for `service`, as (user name, secret) pairs, sorted; read
        directly, not through the code under test."""
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with contextlib.closing(open_dbus_connection(bus=self.address)) as conn:
            return sorted(
                (item.get_attributes()["username"], item.get_secret().decode())
                for item in secretstorage.search_items(conn, {"service": service})
            )

    def clear(self, service: str = "openscale-creds") -> None:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with contextlib.closing(open_dbus_connection(bus=self.address)) as conn:
            for item in secretstorage.search_items(conn, {"service": service}):
                item.delete()

    def lock(self) -> None:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with contextlib.closing(open_dbus_connection(bus=self.address)) as conn:
            collection = secretstorage.Collection(conn)
            collection.lock()
            assert collection.is_locked()

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()
        shutil.rmtree(self.runtime, ignore_errors=True)


def start(folder: Path, *, attempts: int = 3) -> SecretService:
    """A Secret Service on a private bus. Now and then, on a loaded machine, gnome-keyring-daemon
    comes up without ever making its login collection; that daemon is replaced by a fresh one."""
    for attempt in range(1, attempts + 1):
        try:
            return _start_once(folder, ready_within=10 if attempt < attempts else 30)
        except NotReady:
            if attempt == attempts:
                raise
            shutil.rmtree(folder / "home" / ".local" / "share" / "keyrings", ignore_errors=True)
    raise AssertionError("unreachable")


class NotReady(RuntimeError):
    pass


def _start_once(folder: Path, *, ready_within: float) -> SecretService:
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    # The bus socket lives here, and a socket path may not exceed 107 bytes: pytest's folders can.
    runtime = Path(tempfile.mkdtemp(prefix="oc-bus-"))  # 0700, as gnome-keyring requires
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    service = SecretService(folder, {}, runtime)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:dir={runtime}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    service._procs.append(bus)
    try:
        assert bus.stdout is not None and bus.stderr is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            bus.wait(timeout=10)
            raise RuntimeError(f"dbus-daemon printed no address: {bus.stderr.read().decode().strip()}")
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        service._procs.append(keyring_daemon)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(PASSWORD.encode())
        keyring_daemon.stdin.close()
        service.env = {
            name: env[name]
            for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME")
            if name in env
        }
        _wait_until_ready(service, keyring_daemon, ready_within)
    except BaseException:
        service.stop()
        raise
    return service


def _wait_until_ready(service: SecretService, daemon: subprocess.Popen[bytes], within: float) -> None:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import DBusErrorResponse

    deadline = time.monotonic() + within
    while True:
        if daemon.poll() is not None:
            raise RuntimeError(f"gnome-keyring-daemon exited with {daemon.returncode}")
        with contextlib.closing(open_dbus_connection(bus=service.address)) as conn:
            if secretstorage.check_service_availability(conn):
                # `Collection(conn)` only looks the default collection up. Not
                # `get_default_collection`: while the daemon has not yet made its login collection,
                # that one asks the daemon to create one, which waits for a prompt nobody answers.
                # Until then the alias names an object that does not exist: not ready, not a failure.
                with contextlib.suppress(secretstorage.exceptions.SecretStorageException, DBusErrorResponse):
                    if not secretstorage.Collection(conn).is_locked():
                        return
        if time.monotonic() > deadline:
            raise NotReady(f"gnome-keyring-daemon did not offer an unlocked collection within {within:g} s")
        time.sleep(0.05)


@contextlib.contextmanager
def running(folder: Path) -> Iterator[SecretService]:
    if MISSING:
        pytest.skip(MISSING)
    service = start(folder)
    try:
        yield service
    finally:
        service.stop()


def no_dbus_env(folder: Path) -> dict[str, str | None]:
    """Changes that leave keyring no D-Bus to find (None: unset): no session bus address, and an
    empty runtime folder (where some libraries look for a bus socket)."""
    runtime = folder / "no-dbus-runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    return {"DBUS_SESSION_BUS_ADDRESS": None, "XDG_RUNTIME_DIR": str(runtime), "PYTHON_KEYRING_BACKEND": None}
