"""The commands, one module per family; `cli.COMMANDS` maps each command name to its function.

A command converts its options, calls one workflow function (or, with --dry-run, hands one plan
function to `cli.dry_run`), and renders the result. Module-level imports stay as cheap as `cli`'s:
workflows, parsers and anything heavy are imported inside the command.

  session    login, target, doctor
  instance   instance, ids
  credfiles  setup, verify, rotate
  profiles   list, env, exec, remove
  apikey     api-key create, list, delete
  parse      parse
"""
