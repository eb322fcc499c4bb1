"""Region -> IBM Watson OpenScale service URL.

From the `ibm-watson-openscale` SDK's `RESOURCES_URL_MAPPING` (its regional service URLs).
Dallas has no region prefix; every other region is `<region>.api.aiopenscale.cloud.ibm.com`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SERVICE_URLS: Mapping[str, str] = MappingProxyType(
    {
        "us-south": "https://api.aiopenscale.cloud.ibm.com",
        "eu-de": "https://eu-de.api.aiopenscale.cloud.ibm.com",
        "au-syd": "https://au-syd.api.aiopenscale.cloud.ibm.com",
        "ca-tor": "https://ca-tor.api.aiopenscale.cloud.ibm.com",
        "jp-tok": "https://jp-tok.api.aiopenscale.cloud.ibm.com",
        "eu-gb": "https://eu-gb.api.aiopenscale.cloud.ibm.com",
    }
)


def service_url(region: str | None) -> str | None:
    """The OpenScale service URL for `region` (`us-south`, ` EU-DE `...); None for a region without one."""
    if region is None:
        return None
    return SERVICE_URLS.get(region.strip().lower())
