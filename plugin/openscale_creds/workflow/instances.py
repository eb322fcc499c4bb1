"""Resolving a name, GUID or CRN to exactly one service instance: the lookup rule.

Which instance a name means never depends on what the user's ibmcloud session happens to target:

* a GUID or CRN is looked up directly (`resource service-instance ID`): it is found in any group;
* a name is matched exactly (case included) in `resource service-instances -g GROUP` when a group is
  given, else in `resource service-instances --all-resource-groups`; several matches are exit 6.
"""

from __future__ import annotations

from collections.abc import Sequence

from openscale_creds.errors import Ambiguous, NotFound
from openscale_creds.ibmcloud import IbmCloud, is_instance_id, validate_name
from openscale_creds.models import ServiceInstance
from openscale_creds.rules import OPENSCALE_SERVICE


def resolve_instance(
    cli: IbmCloud,
    name_or_id: str,
    *,
    location: str | None = None,
    home: str | None = None,
    group: str | None = None,
    service: str | None = None,
    narrowing: Sequence[str] = (),
) -> ServiceInstance:
    """Exactly one instance: NotFound (exit 5) for none, Ambiguous (exit 6) listing several.

    `service` limits a name's search to one service's instances; `narrowing` names the options of
    the calling command that narrow a search (`--group`, `--location`), for the hints.
    """
    validate_name("instance name", name_or_id)  # refused alike whichever command would carry it
    if is_instance_id(name_or_id):
        found = cli.show_instance(name_or_id, location=location, home=home)
        near: list[ServiceInstance] = []
        unreadable = 0
    else:
        listed = cli.list_instances(group=group, service=service, location=location, home=home)
        found = [i for i in listed if i.name == name_or_id]
        near = [i for i in listed if i.name.casefold() == name_or_id.casefold()] if not found else []
        # Bytes that are not UTF-8 (decoded as U+FFFD) make a name unmatchable, never a guess.
        unreadable = sum("\ufffd" in i.name for i in listed) if not found else 0
    if location:
        found = [i for i in found if i.location == location]
    if not found:
        raise _not_found(name_or_id, group, service, location, near, narrowing, unreadable)
    if len(found) > 1:
        options = " / ".join(f"`{o}`" for o in narrowing if o != "--group" or not group)
        raise Ambiguous(
            f"{len(found)} service instances are named {name_or_id!r}:\n" + describe_candidates(found),
            hint="pass the GUID instead" + (f", or narrow with {options}" if options else ""),
        )
    return found[0]


def with_names(cli: IbmCloud, found: ServiceInstance, *, home: str | None = None) -> ServiceInstance:
    """`found` with its plan and resource group named, by one more call (the text view of the
    instance by GUID) made only when one of them is missing. Names the CLI does not print stay None."""
    if found.plan is not None and found.resource_group is not None:
        return found
    described = cli.describe_instance(found.guid, home=home)
    same = [i for i in described if i.guid == found.guid] or (described if len(described) == 1 else [])
    if not same:
        return found
    return found.replace(
        plan=found.plan or same[0].plan,
        resource_group=found.resource_group or same[0].resource_group,
    )


def _not_found(
    name_or_id: str,
    group: str | None,
    service: str | None,
    location: str | None,
    near: Sequence[ServiceInstance],
    narrowing: Sequence[str],
    unreadable: int = 0,
) -> NotFound:
    if is_instance_id(name_or_id):
        return NotFound(
            f"no service instance with ID {name_or_id!r}{f' in {location}' if location else ''}",
            hint="check the GUID or CRN and that the session is in the instance's account",
        )
    kind = "OpenScale" if service == OPENSCALE_SERVICE else service or "service"
    where = f"resource group {group!r}" if group else "any resource group of the account"
    if location:
        where += f" in {location}"
    if near:
        names = ", ".join(repr(i.name) for i in near)
        hint = f"names are matched exactly, case included: did you mean {names}?"
    elif unreadable:
        hint = f"ibmcloud printed {unreadable} name(s) that are not valid UTF-8; pass the GUID instead"
    elif group and "--group" in narrowing:
        hint = "check the name and the group, or leave out --group to search every group"
    else:
        hint = "check the name and the account the session is logged in to"
    return NotFound(f"no {kind} instance named {name_or_id!r} in {where}", hint=hint)


def describe_candidates(instances: Sequence[ServiceInstance]) -> str:
    """One line per instance: name, GUID, resource group and region (what tells them apart)."""
    return "\n".join(
        f"  {i.name}  guid={i.guid}  resource_group={i.resource_group or i.resource_group_id or '-'}  "
        f"region={i.location or '-'}"
        for i in instances
    )
