"""The flows, one module each, over the `IbmCloud` facade (a fake object in unit tests) and a `Ui`.

  ui         the `Ui` protocol and `StepResult`: how a flow reports progress and asks the person
  login      log in (API key, session reuse, SSO through the facade) and `doctor`
  instances  resolve a name, GUID or CRN to exactly one service instance
  keys       create / discard API keys, default names, holding Ctrl-C while a key is in flight
  stored     read a credentials file the tool wrote
  setup      login -> instance -> key -> credentials file
  verify     verify and rotate, each in a private IBMCLOUD_HOME
  profiles   env, exec, list, remove, rotating a profile's key
  apikeys    api-key list and delete: which profile or file holds each key
  ids        the OpenScale IDs of an instance (REST API)
  parse      read captured ibmcloud output
  plans      what each command would run, for --dry-run

Flows never print and never know about Typer or processes. Commands import the module they need
inside the command, so start-up pays for none of them; this package re-exports only the two names
the terminal `Ui` implements.
"""

from openscale_creds.workflow.ui import StepResult, Ui

__all__ = ["StepResult", "Ui"]
