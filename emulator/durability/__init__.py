"""Durability: where the emulator's data will outlive its process (not built yet).

The seam: every acknowledged write passes the store lock (`moto_ext.store.STORE_LOCK`) in
`endpoint.app`, and TTL deletes pass it in `moto_ext.ttl_deletes`. A journal appended there,
before the response is sent, plus snapshots that compact it, point-in-time restore replaying
it into a new table and exports, will live in this package, composed into `Emulator` like the
TTL reaper. Until then the emulator keeps its data in memory only: a restart starts afresh.
"""
