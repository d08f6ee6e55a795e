"""ddbkit: a local DynamoDB emulator and load-testing kit for the marketplace tables.

The repository root is the `ddbkit` package (setuptools `package-dir`), so the installed code
lives under one name (`ddbkit.emulator`, `ddbkit.fixtures`, `ddbkit.loadtests`, `ddbkit.cli`)
and never collides with a user's own `fixtures/` or `cli.py`.
"""
