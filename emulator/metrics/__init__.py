"""The emulator's Prometheus metrics (`GET /metrics`, docs/metrics.md).

The request path only adds to plain dicts and lists (`counts.RequestCounts`); everything is
turned into Prometheus metric families when scraped, by collectors of ddbkit's own
(`collectors`) on a registry of each server's own (`registry.Metrics`), so two servers in
one process never share a figure.
"""
