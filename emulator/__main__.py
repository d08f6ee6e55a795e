"""`python -m emulator ...` is `ddbkit ...` (the pytest plugin starts the emulator this way)."""

from cli import main

main()
