"""Where ddbkit calls moto, one module per concern (see DESIGN.md); nothing here replaces an
attribute of moto (tests/moto_patches.py counts 0 at run time). This folder is exactly the
code that imports moto: a module that stops importing it moves out (to `emulator/store/`,
`emulator/operations/` or `emulator/capacity/`).

- `calls`: moto's refusals turned into `OperationError`s (`moto_refusals`), and the shape
  check (`require`, raising `MotoShapeError`) a module that reads moto's internals uses, so
  a moto upgrade fails loudly instead of misbehaving;
- `answers`: moto's model-driven serializer, so answers keep moto's handler's shape;
- `item_writes`: moto's item checks and exceptions around ddbkit's own item writes;
- `reads`: moto's Select check for Query and Scan;
- `projection_paths`: moto's ProjectionExpression checks;
- `expression_syntax`: moto's list of DynamoDB's reserved words.

No module imports this package's `__init__`. Tables, their indexes, items, backups, stream
shards and records are ddbkit's own (`emulator/store/`), and every operation is ddbkit's own
module (`emulator/operations/`), which calls in here only for the moto pieces above.
"""
