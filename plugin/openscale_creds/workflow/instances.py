"""Resolving a name, GUID or CRN to exactly one service instance."""

from __future__ import annotations

from collections.abc import Sequence

from openscale_creds.errors import Ambiguous, NotFound
from openscale_creds.ibmcloud import IbmCloud
from openscale_creds.models import ServiceInstance


def resolve_instance(
    cli: IbmCloud, name_or_id: str, *, location: str | None = None, home: str | None = None
) -> ServiceInstance:
    """Exactly one instance: NotFound (exit 5) for none, Ambiguous (exit 6) listing several."""
    found = cli.find_instances(name_or_id, location=location, home=home)
    if location:
        found = [i for i in found if i.location == location]
    if not found:
        where = f" in {location}" if location else ""
        raise NotFound(
            f"no service instance named {name_or_id!r}{where}",
            hint="check the name, the targeted resource group (--group) and the account",
        )
    if len(found) > 1:
        raise Ambiguous(
            f"{len(found)} service instances match {name_or_id!r}:\n" + describe_candidates(found),
            hint="pass the GUID or CRN instead, or narrow with --location / --group",
        )
    return found[0]


def describe_candidates(instances: Sequence[ServiceInstance]) -> str:
    return "\n".join(
        f"  {i.name}  guid={i.guid}  location={i.location or '-'}  "
        f"resource_group={i.resource_group or i.resource_group_id or '-'}"
        for i in instances
    )
