"""API keys: creating one so that it always ends saved, deleted, or named in the message.

`create_key` is the one way a flow creates a key; `discard_key` deletes one whose only copy cannot
be saved; `sigint_deferred` holds Ctrl-C while a key is between IBM Cloud and its file, and then
says where the key is.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from openscale_creds import redact
from openscale_creds.errors import (
    CliNotFound,
    CommandRejected,
    CredsError,
    Interrupted,
    KeyValueMissing,
    NotLoggedIn,
    UnrecognisedOutput,
    UsageError,
    adding,
)
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import ApiKey, ServiceInstance, Target

if TYPE_CHECKING:
    from openscale_creds.credentials import Credentials


def default_key_name(now: float | None = None, host: str | None = None) -> str:
    import socket  # here: `instance --field guid` in a loop pays for every module-level import

    host = re.sub(r"[^A-Za-z0-9-]+", "-", host or socket.gethostname()).strip("-")[:40] or "host"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    return f"openscale-creds-{host}-{stamp}"


def key_description(instance_name: str, guid: str) -> str:
    return f"OpenScale credentials for instance {instance_name} ({guid}), created by openscale-creds"


class Held:
    """What `sigint_deferred` yields. Set `note` once the key is safe (" — the new key X is in F"): an
    interrupt held until then ends the command with that note rather than a bare "interrupted"."""

    note: str | None = None


@contextlib.contextmanager
def sigint_deferred() -> Iterator[Held]:
    """Hold Ctrl-C (and SIGTERM, SIGHUP) until the block ends: a key being created must reach the file.

    The `ibmcloud` child runs in its own session, so a terminal Ctrl-C does not reach it either;
    the block is bounded by --timeout. A held interrupt is raised when the block ends: `Interrupted`
    carrying the block's `note` when it set one, else KeyboardInterrupt.
    """
    held = Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    pending: list[int] = []
    signals = [signal.SIGINT, *(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))]
    previous = {sig: signal.signal(sig, lambda signum, _frame: pending.append(signum)) for sig in signals}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if pending:
        if held.note:
            raise Interrupted(f"interrupted{held.note}")
        raise KeyboardInterrupt


# Failures after which no key can exist: the request never left this machine (our own validation,
# no ibmcloud to run, ibmcloud refusing its command line or having no session).
_NOT_SENT: tuple[type[CredsError], ...] = (UsageError, Interrupted, CliNotFound, CommandRejected, NotLoggedIn)


def create_key(cli: IbmCloud, name: str, description: str, *, home: str | None = None) -> ApiKey:
    """`iam api-key-create`, registering the new key as a secret; says so when a key may be orphaned.

    An answer without the key's value is exit 7: the key is deleted when its ID is known (nobody can
    ever read its value), else named with how to find it."""
    # The request may have reached IBM Cloud even though its answer did not reach us.
    orphan = (
        f" — a key named {name} may exist without its value having been saved: look for it with "
        "`ibmcloud iam api-keys` and delete it"
    )
    raw = None
    try:
        with adding(orphan, unless=(*_NOT_SENT, KeyValueMissing)):
            key = cli.create_api_key(name, description, home=home)
    except KeyValueMissing as exc:  # the parser refuses such an answer; the key it names exists
        key, raw = exc.key, exc.raw
    if not key.apikey:
        error = UnrecognisedOutput(
            f"`ibmcloud iam api-key-create` answered without the value of the new API key {name}"
        )
        error.raw = raw  # for the bug-report file: what ibmcloud printed instead
        error.message += discard_key(cli, key, home=home) if key.id else orphan
        raise error
    redact.register(key.apikey)
    return key


def discard_key(cli: IbmCloud, key: ApiKey, *, home: str | None = None) -> str:
    """Delete a new key whose only copy cannot be saved; what happened, to append to the error."""
    if not key.id:
        return f" — API key {key.name} was created but cannot be saved; delete it in the IBM Cloud console"
    try:
        cli.delete_api_key(key.id, home=home)
    except CredsError:
        return (
            f" — API key {key.name} ({key.id}) was created but cannot be saved; delete it with "
            f"`ibmcloud iam api-key-delete {key.id} -f`"
        )
    return f" — the new API key {key.name} ({key.id}) could not be saved, so it was deleted"


def saved_note(key: ApiKey, where: str) -> str:
    """What an interrupt held during creation says once the key is safe."""
    return f" — the new API key {key.name} ({key.id}) was written to {where} first"


def key_record(key: ApiKey) -> dict[str, str | None]:
    """The key as `api-key create` shows and saves it (the value included)."""
    return {
        "name": key.name,
        "id": key.id,
        "apikey": key.apikey,
        "created_at": key.created_at,
        "description": key.description,
    }


def _nothing() -> None:
    return None


def create_api_key(
    cli: IbmCloud,
    name: str,
    description: str,
    *,
    file: Path | None,
    force: bool,
    write_stdout: Callable[[str], None] | None = None,
    check_stdout: Callable[[], None] = _nothing,
) -> dict[str, str | None]:
    """`api-key create`: a new key, saved to `file` (0600) or written with `write_stdout` at once;
    returns its record. Whatever cannot be saved is deleted (or named). `check_stdout` refuses, before
    the key exists, a stdout that could not take it."""
    import json

    from openscale_creds import secretfile

    if file is not None:
        secretfile.check_target(file, force=force)
    elif write_stdout is not None:
        check_stdout()
    with sigint_deferred() as held:
        key = create_key(cli, name, description)
        record = key_record(key)
        text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
        # The key's only copy could not be saved: delete it rather than leave it orphaned.
        with adding(lambda: discard_key(cli, key)):
            if file is not None:
                secretfile.write_secret(file, text, force=force)
                held.note = saved_note(key, str(file))
            elif write_stdout is not None:
                write_stdout(text)
                held.note = saved_note(key, "standard output")
    return record


def build_credentials(key: ApiKey, instance: ServiceInstance, target: Target | None) -> Credentials:
    from openscale_creds.credentials import Credentials

    if not key.apikey:  # create_key never returns such a key
        raise UnrecognisedOutput(f"ibmcloud created API key {key.name} but did not show its value")
    return Credentials(
        apikey=key.apikey,
        instance_guid=instance.guid,
        url=instance.url,
        region=instance.location,
        resource_group=instance.resource_group or (target.resource_group if target else None),
        instance_name=instance.name,
        instance_crn=instance.crn,
        api_key_name=key.name,
        api_key_id=key.id,
        created_at=key.created_at,
    )
