"""Fault and latency injection (`ddbkit up --faults FILE`, `--fault-rate`, `--latency`): errors
at a configured rate and latency drawn from percentiles, to test retries and timeouts."""
