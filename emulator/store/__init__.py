"""ddbkit's own store: what the tables hold (stream shards first; items next), without moto's
model objects."""
