"""The `ddbkit` commands about the emulator and its tables, one module per area: `up`,
`tables` (status, export, schema), `tail`, `state`; `options` holds what they share.
`seed` lives in fixtures/seed_command.py, `load` and `load-worker` in loadtests/commands.py;
cli.py gathers them into the group."""
