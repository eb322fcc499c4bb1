"""`ids`: the data mart, binding, subscription and deployment IDs, from the OpenScale REST API.

The bearer token comes from the ibmcloud session (`--instance`) or from exchanging at IAM the key in
a credentials file or a profile (the default: the current profile); it is registered as a secret at
once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openscale_creds.errors import UsageError
from openscale_creds.ibmcloud import IbmCloud

if TYPE_CHECKING:
    from openscale_creds.openscale_api import OpenScaleIds


@dataclass(frozen=True)
class IdsOptions:
    instance: str | None  # use the ibmcloud session and this instance…
    credentials_file: Path | None  # …or else the key and instance in this file…
    iam_url: str
    service_url: str | None = None  # overrides the instance's regional URL
    timeout: float = 60.0
    profile: str | None = None  # …or else in this profile (default: the current one)

    def __post_init__(self) -> None:
        if self.instance and self.credentials_file:
            raise UsageError("--instance and --credentials exclude each other")
        if self.profile and (self.instance or self.credentials_file):
            raise UsageError("-p NAME excludes --instance and a credentials FILE")


def read_ids(connect: Callable[[], IbmCloud], opts: IdsOptions) -> OpenScaleIds:
    """The instance's IDs. `connect` gives the facade: only `--instance` needs the ibmcloud CLI."""
    from openscale_creds import openscale_api, redact
    from openscale_creds.workflow.instances import resolve_instance
    from openscale_creds.workflow.stored import load_credentials_file

    if opts.instance:
        cli = connect()
        found = resolve_instance(cli, opts.instance)
        token = cli.oauth_token()
        data_mart, url = found.guid, opts.service_url or found.url
        origin = openscale_api.SESSION
    else:
        if opts.credentials_file is not None:
            creds = load_credentials_file(opts.credentials_file)
            # Where the key came from, so that a rejection's hint names the command that replaces it.
            origin = openscale_api.TokenOrigin(str(opts.credentials_file), creds.instance_guid)
        else:
            from openscale_creds import store
            from openscale_creds.workflow.profiles import profile_name

            name = profile_name(opts.profile)
            creds = store.ProfileStore().credentials(name)
            origin = openscale_api.TokenOrigin(None, creds.instance_guid, profile=name)
        token = openscale_api.exchange_api_key(
            creds.apikey, iam_url=opts.iam_url, timeout=opts.timeout, origin=origin
        )
        data_mart, url = creds.instance_guid, opts.service_url or creds.url
    redact.register(token)
    if not url:
        raise UsageError("the instance's region has no known OpenScale URL", hint="pass --service-url URL")
    return openscale_api.fetch_ids(url, data_mart, token, timeout=opts.timeout, origin=origin)
