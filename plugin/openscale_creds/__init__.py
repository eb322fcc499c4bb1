"""openscale-creds: from the ibmcloud CLI to working IBM Watson OpenScale credentials."""

__version__ = "0.1.0"
