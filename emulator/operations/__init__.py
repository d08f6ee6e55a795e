"""ddbkit's own operations: one module per DynamoDB or DynamoDB Streams operation.

Each module is the whole operation, read top to bottom: its validation beside it, then the
pipeline's stages called in order as plain functions (`pipeline.py` names them). `registry`
maps an operation name to its module's `run(call) -> Answer`; the endpoint sends every
operation found there to it and answers any other one UnknownOperationException (moto's
request handler is no longer called, see docs/emulator.md).

The endpoint already ran the stages that apply to every request before a module is called:
the wire limits and auth, the request's shape against botocore's model, faults and the
throughput model's admission, the store lock and the journal's bracket (`durability.hooks`),
which journals whatever the operation changed on the way out or undoes it.
"""
