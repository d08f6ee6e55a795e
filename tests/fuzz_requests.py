"""Request generators for the fuzz test (tests/test_fuzz.py): seeded, bounded, model-driven.

Five kinds of input, each from one `random.Random`:
- random bytes as a body, under a real operation's X-Amz-Target;
- random JSON documents (any shape, nesting, odd strings and numbers);
- requests built from botocore's input shapes for DynamoDB and DynamoDB Streams, with the
  stage's real table, index and attribute names, expressions from a small grammar, and then
  0-3 mutations (a member dropped, retyped, emptied, nested deep, a number or string swapped
  for a hostile one);
- malformed HTTP for a raw socket (broken request lines, lengths, chunking, headers).

Now and then a key value is binary where the spec's key is S or N (every such request is
refused: `binary_key` tells the test which requests carry one).
Writes only ever touch keys of the fuzz's own domain (`f0`..`f7`, numbers), and control-plane
changes only tables named `fuzz-<stage>-*`, so data written before the fuzz must survive it intact.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import Shape

from ddbkit.emulator.spec import TABLES, TableSpec

SEED_PREFIX = "seed-"  # keys written before the fuzz; the fuzz never generates one
FUZZ_KEYS = [f"f{n}" for n in range(8)]

# Numbers SDKs and people send, valid and not: exponents, signs, padding, limits, junk.
NUMBERS = ["0", "1", "-1", "1.5", "1e5", "1E+5", "1e125", "-1e125", "1e-130", "1e126", "1e-131",
           "9.9999999999999999999999999999999999999E+125", "12345678901234567890123456789012345678",
           "123456789012345678901234567890123456789", "-0", "0.000", "00012", "1.", ".5", "+1",
           "NaN", "Infinity", "-Infinity", " 1", "1 ", "1_000", "0x10", "1e", "e5", "", "--1",
           "9" * 100, "1e1000000", "1e-1000000", "١٢٣"]
# Strings that break naive code: empty, unicode, lone surrogates, control characters, long.
STRINGS = ["", "a", "x y", "\u00e9", "\U0001f600", "\ud800", "a\udfffb", "\x00", "\n\t",
           "#", ":v", "a.b", "a[0]", "'", '"', "\\", "SELECT", "%s%n", "a" * 1025, "1e5"]
SAFE_STRINGS = ["a", "bb", "x y", "\u00e9t\u00e9", "\U0001f600", "PENDING", "2025-01-01"]
# Binary values where the spec's S and N keys go (each refused with a type mismatch): bytes
# that are text or a number when read as such, the extremes, and long ones.
BINARY_KEY_BYTES = [b"f0", b"1", b"\x00", b"\xff", b"\x00\xff", b"\xff" * 1500]
BINARY_KEYS = 0.06  # how often a key value is binary

# The pre-expression API: mixed with expressions it is refused, so it comes now and then.
LEGACY = {"Expected", "AttributeUpdates", "QueryFilter", "ScanFilter", "KeyConditions",
          "AttributesToGet", "ConditionalOperator"}
# botocore's operations that change tables themselves: only ever aimed at `fuzz-<stage>-*` tables.
CONTROL_WRITES = {"CreateTable", "DeleteTable", "UpdateTable", "UpdateTimeToLive",
                  "UpdateContinuousBackups", "RestoreTableFromBackup",
                  "RestoreTableToPointInTime", "CreateGlobalTable", "UpdateGlobalTable",
                  "UpdateGlobalTableSettings", "UpdateTableReplicaAutoScaling", "ImportTable",
                  "UpdateKinesisStreamingDestination", "EnableKinesisStreamingDestination",
                  "DisableKinesisStreamingDestination", "PutResourcePolicy",
                  "DeleteResourcePolicy", "UpdateContributorInsights", "TagResource",
                  "UntagResource", "DeleteBackup", "StartBulkPutItems"}


@dataclass(frozen=True)
class Target:
    service: str  # the X-Amz-Target prefix
    operation: str

    @property
    def header(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass
class StageTables:
    """What the generators know of the stage under fuzz."""

    stage: str
    stream_arn: str
    shard_id: str

    def name(self, spec: TableSpec) -> str:
        return f"marketplace-{self.stage}-{spec.key}-table"


class RequestFuzzer:
    def __init__(self, seed: int, tables: StageTables) -> None:
        self.rng = random.Random(seed)
        self.tables = tables
        self.binary_key = False  # the last model request put a binary value in a key
        self.mutated = False  # ... and was mutated after (so may hold it no more)
        session = botocore.session.get_session()
        self.models = {"DynamoDB_20120810": session.get_service_model("dynamodb"),
                       "DynamoDBStreams_20120810": session.get_service_model("dynamodbstreams")}
        self.targets = [Target(service, op) for service, model in self.models.items()
                        for op in model.operation_names]
        self.data_plane = [t for t in self.targets if t.operation in {
            "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
            "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "ExecuteStatement",
            "BatchExecuteStatement", "ExecuteTransaction", "GetRecords", "GetShardIterator"}]

    # -- the four kinds -------------------------------------------------------------------

    def random_bytes(self) -> tuple[Target, bytes]:
        size = self.rng.choice([0, 1, 2, 8, 64, 512])
        return self.rng.choice(self.targets), self.rng.randbytes(size)

    def random_json(self) -> tuple[Target, bytes]:
        target = self.rng.choice(self.targets)
        if self.rng.random() < 0.1:  # very deep nesting, as arrays or objects
            depth = self.rng.choice([100, 600, 2500, 100_000])
            if self.rng.random() < 0.5:
                return target, b"[" * depth + b"]" * depth
            return target, b'{"a":' * depth + b"1" + b"}" * depth
        return target, dumps(self.json_value(self.rng.randint(0, 4)))

    def malformed_http(self) -> bytes:
        """Raw bytes for a socket: a request line, headers and a body, each perhaps broken."""
        rng = self.rng
        target = rng.choice(self.targets)
        body = dumps({"TableName": self.tables.name(rng.choice(TABLES))})
        line = rng.choice([b"POST / HTTP/1.1", b"POST / HTTP/1.0", b"GET / HTTP/1.1",
                           b"POST /" + rng.randbytes(4) + b" HTTP/1.1", b"POST / HTTP/2.0",
                           b"POST", b"", rng.randbytes(12)])
        headers = [b"Host: localhost", b"X-Amz-Target: " + target.header.encode(),
                   b"Content-Type: application/x-amz-json-1.0"]
        length = rng.choice([len(body), 0, len(body) + 5, max(0, len(body) - 3)])
        headers.append(rng.choice([b"Content-Length: %d" % length, b"Content-Length: -1",
                                   b"Content-Length: x", b"Transfer-Encoding: chunked",
                                   b"Transfer-Encoding: gzip", b""]))
        for _ in range(rng.randint(0, 2)):
            headers.append(rng.choice([b"X-Junk: " + rng.randbytes(8), b"No colon here",
                                       b": empty name", b"X-Long: " + b"a" * 9000,
                                       b"Expect: 100-continue", b"Connection: close"]))
        if b"chunked" in headers[-1]:
            body = rng.choice([b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n",
                               b"zz\r\n" + body, b"5\r\n" + body])
        return line + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body

    def model_request(self) -> tuple[Target, bytes]:
        target = self.rng.choice(self.data_plane if self.rng.random() < 0.7 else self.targets)
        model = self.models[target.service].operation_model(target.operation)
        spec = self.rng.choice(TABLES)
        self.binary_key = False
        request = self.request(target.operation, model.input_shape, spec)
        mutations = self.rng.choice([0, 0, 0, 1, 1, 2, 3])
        self.mutated = mutations > 0
        for _ in range(mutations):
            request = self.mutate(request)
        return target, dumps(request)

    # -- values ---------------------------------------------------------------------------

    def json_value(self, depth: int) -> Any:
        kind = self.rng.randrange(8 if depth > 0 else 5)
        if kind == 0:
            return self.rng.choice(STRINGS)
        if kind == 1:
            return self.rng.choice([0, -1, 1.5, 10**30, 1e308, True, False])
        if kind == 2:
            return None
        if kind == 3:
            return self.rng.choice(NUMBERS)
        if kind == 4:
            return self.rng.choice(list(self.models["DynamoDB_20120810"].shape_names))
        if kind == 5:
            return [self.json_value(depth - 1) for _ in range(self.rng.randint(0, 3))]
        return {self.rng.choice([*STRINGS, "TableName", "Key", "Item", "S", "N", "M", "L"]):
                self.json_value(depth - 1) for _ in range(self.rng.randint(0, 3))}

    def attribute_value(self, depth: int = 2) -> dict[str, Any]:
        kind = self.rng.choice(["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "M", "L"]
                               if depth > 0 else ["S", "N", "B", "BOOL", "NULL"])
        if kind == "S":
            return {"S": self.rng.choice(SAFE_STRINGS if self.rng.random() < 0.8 else STRINGS)}
        if kind == "N":
            return {"N": self.number()}
        if kind == "B":
            return {"B": base64.b64encode(self.rng.randbytes(self.rng.randint(0, 4))).decode()}
        if kind == "BOOL":
            return {"BOOL": self.rng.random() < 0.5}
        if kind == "NULL":
            return {"NULL": True}
        if kind == "SS":
            return {"SS": self.rng.sample(SAFE_STRINGS, self.rng.randint(0, 3))}
        if kind == "NS":
            return {"NS": [self.number() for _ in range(self.rng.randint(0, 3))]}
        if kind == "BS":
            return {"BS": [base64.b64encode(bytes([n])).decode() for n in range(
                self.rng.randint(0, 2))]}
        if kind == "M":
            return {"M": {self.rng.choice(["a", "b", "c.d", ""]): self.attribute_value(depth - 1)
                          for _ in range(self.rng.randint(0, 3))}}
        return {"L": [self.attribute_value(depth - 1) for _ in range(self.rng.randint(0, 3))]}

    def number(self) -> str:
        if self.rng.random() < 0.6:
            return str(self.rng.choice([0, 1, 2, 5, -3, 10, 100]))
        return self.rng.choice(NUMBERS)

    def key_value(self, kind: str, binary: bool = True) -> dict[str, Any]:
        if binary and self.rng.random() < BINARY_KEYS:
            self.binary_key = True
            return {"B": base64.b64encode(self.rng.choice(BINARY_KEY_BYTES)).decode()}
        if kind == "N":
            return {"N": self.rng.choice(["1", "2", "1e5", "-7"])}
        return {"S": self.rng.choice(FUZZ_KEYS)}

    def item(self, spec: TableSpec, keys_only: bool = False) -> dict[str, Any]:
        attrs = spec.primary.attributes if keys_only else spec.attributes
        item = {a: self.key_value(spec.attributes[a]) if a in spec.primary.attributes
                else self.typed_value(spec.attributes[a]) for a in attrs
                if a in spec.primary.attributes or self.rng.random() < 0.7}
        if not keys_only:
            for _ in range(self.rng.randint(0, 3)):
                item[self.rng.choice(["note", "count", "tags", "nested", "c"])] = \
                    self.attribute_value()
        return item

    def typed_value(self, kind: str) -> dict[str, Any]:
        """A value of the declared type, now and then of another (the index-key case)."""
        if self.rng.random() < 0.15:
            return self.attribute_value()
        return {"N": self.number()} if kind == "N" else \
            {"S": self.rng.choice(SAFE_STRINGS)}

    # -- expressions ----------------------------------------------------------------------

    def expression(self, spec: TableSpec, kind: str, names: dict[str, str],
                   values: dict[str, Any]) -> str:
        def name() -> str:
            attr = self.rng.choice([*spec.attributes, "note", "count", "tags", "nested", "c"])
            if self.rng.random() < 0.5:
                names[f"#{attr}"] = attr
                attr = f"#{attr}"
            return attr + self.rng.choice(["", "", "", ".x", "[0]", "[1].y"])

        def value(v: dict[str, Any] | None = None) -> str:
            placeholder = f":v{len(values)}"
            values[placeholder] = v if v is not None else self.attribute_value(1)
            return placeholder

        def condition(depth: int) -> str:
            choice = self.rng.randrange(9 if depth > 0 else 6)
            if choice == 0:
                return f"{name()} {self.rng.choice(['=', '<>', '<', '<=', '>', '>='])} {value()}"
            if choice == 1:
                return f"attribute_{self.rng.choice(['exists', 'not_exists'])}({name()})"
            if choice == 2:
                return f"begins_with({name()}, {value()})"
            if choice == 3:
                return f"{name()} BETWEEN {value()} AND {value()}"
            if choice == 4:
                return f"size({name()}) > {value({'N': self.number()})}"
            if choice == 5:
                return f"{name()} IN ({value()}, {value()})"
            if choice == 6:
                return f"NOT {condition(depth - 1)}"
            if choice == 7:
                return f"({condition(depth - 1)})"
            return f"{condition(depth - 1)} {self.rng.choice(['AND', 'OR'])} " \
                   f"{condition(depth - 1)}"

        if kind == "key":
            partition = spec.primary.partition
            names["#pk"] = partition
            return f"#pk = {value(self.key_value(spec.attributes[partition]))}"
        if kind == "projection":
            return ", ".join(name() for _ in range(self.rng.randint(1, 3)))
        if kind == "condition":
            return condition(2)
        number = {"N": self.rng.choice(["1", "1e5", "1E+5", "1e125", "-2.5", "0.1"])}
        clauses = {
            "SET": lambda: self.rng.choice([
                f"{name()} = {value()}", f"{name()} = {name()} + {value(number)}",
                f"{name()} = if_not_exists({name()}, {value()}) - {value(number)}",
                f"{name()} = list_append({name()}, {value({'L': []})})"]),
            "REMOVE": name,
            "ADD": lambda: f"{name()} {value(self.rng.choice([number, self.attribute_value(1)]))}",
            "DELETE": lambda: f"{name()} {value({'SS': ['a']})}",
        }
        chosen = self.rng.sample(list(clauses), self.rng.randint(1, 3))
        return " ".join(f"{c} " + ", ".join(clauses[c]() for _ in range(self.rng.randint(1, 2)))
                        for c in chosen)

    def statement(self, spec: TableSpec, parameters: list[Any]) -> str:
        table = f'"{self.tables.name(spec)}"'
        key = spec.primary.partition
        literal = f"'{self.rng.choice(FUZZ_KEYS)}'"
        if self.rng.random() < 0.3:
            parameters.append(self.key_value("S", binary=False))
            literal = "?"
        attr = self.rng.choice(list(spec.attributes))
        return self.rng.choice([
            f"SELECT * FROM {table} WHERE {key} = {literal}",
            f"SELECT {attr} FROM {table}.\"{spec.gsis[0].name if spec.gsis else 'x'}\"",
            f"INSERT INTO {table} VALUE {{'{key}': {literal}, '{attr}': 5}}",
            f"UPDATE {table} SET {attr} = 'x' WHERE {key} = {literal}",
            f"UPDATE {table} SET {attr} = 7 WHERE {key} = {literal}",
            f"DELETE FROM {table} WHERE {key} = {literal}",
            f"SELECT * FROM {table} WHERE {attr} = {self.rng.choice(['1e5', 'NaN', literal])}",
        ])

    # -- requests from botocore's shapes --------------------------------------------------

    def request(self, operation: str, shape: Shape | None, spec: TableSpec) -> dict[str, Any]:
        if shape is None:
            return {}
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        self.parameters: list[Any] = []
        request = self.structure(shape, spec, operation, names, values)
        if self.parameters and "Parameters" in shape.members:
            request["Parameters"] = self.parameters
        if names and "ExpressionAttributeNames" in shape.members:
            request["ExpressionAttributeNames"] = names
        if values and "ExpressionAttributeValues" in shape.members:
            request["ExpressionAttributeValues"] = values
        return request

    def structure(self, shape: Shape, spec: TableSpec, operation: str, names: dict[str, str],
                  values: dict[str, Any]) -> dict[str, Any]:
        required = set(shape.required_members)
        out: dict[str, Any] = {}
        for member, member_shape in shape.members.items():
            if member in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
                continue
            if member not in required and self.rng.random() < (0.92 if member in LEGACY
                                                                else 0.6):
                continue
            out[member] = self.member(member, member_shape, spec, operation, names, values)
        return out

    def member(self, member: str, shape: Shape, spec: TableSpec, operation: str,
               names: dict[str, str], values: dict[str, Any]) -> Any:
        table = self.tables.name(spec)
        if member in ("TableName", "TableArn", "ResourceArn", "SourceTableName",
                      "SourceTableArn", "GlobalTableName"):
            if operation in CONTROL_WRITES or (member != "TableName" and operation not in (
                    "DescribeTable", "ListTagsOfResource")):
                return f"fuzz-{self.tables.stage}-{self.rng.randrange(4)}"
            return table
        if member == "TargetTableName":
            return f"fuzz-{self.tables.stage}-{self.rng.randrange(4)}"
        if member == "IndexName":
            return self.rng.choice([g.name for g in spec.gsis] or ["nope"])
        if member in ("Key", "ExclusiveStartKey"):
            return self.item(spec, keys_only=True)
        if member == "Item":
            return self.item(spec)
        if member == "RequestItems":
            return self.request_items(operation, spec)
        if member == "TransactItems":
            return [self.transact_item(operation, spec) for _ in range(self.rng.randint(1, 3))]
        if member == "KeyConditionExpression":
            return self.expression(spec, "key", names, values)
        if member in ("ConditionExpression", "FilterExpression"):
            return self.expression(spec, "condition", names, values)
        if member == "UpdateExpression":
            return self.expression(spec, "update", names, values)
        if member == "ProjectionExpression":
            return self.expression(spec, "projection", names, values)
        if member == "Statement":
            return self.statement(spec, self.parameters)
        if member == "Parameters":
            return self.parameters
        if member == "Statements":
            return [{"Statement": self.statement(spec, [])} for _ in range(self.rng.randint(1, 3))]
        if member == "TransactStatements":
            return [{"Statement": self.statement(spec, [])} for _ in range(self.rng.randint(1, 3))]
        if member == "StreamArn":
            return self.tables.stream_arn
        if member == "ShardId":
            return self.tables.shard_id
        if member == "ShardIterator":
            return f"{self.tables.stream_arn}|1|{self.rng.choice(['0', '1', '99999', 'x'])}"
        if member == "AttributeDefinitions":
            return [{"AttributeName": a, "AttributeType": t} for a, t in spec.attributes.items()]
        if member == "KeySchema":
            return spec.primary.to_wire()
        return self.shaped(shape, spec, operation, names, values, 3)

    def shaped(self, shape: Shape, spec: TableSpec, operation: str, names: dict[str, str],
               values: dict[str, Any], depth: int) -> Any:
        if shape.name == "AttributeValue":
            return self.attribute_value()
        kind = shape.type_name
        if kind == "structure":
            if depth <= 0:
                return {}
            return {m: self.member(m, s, spec, operation, names, values) if m in (
                "TableName", "Key", "Item", "IndexName") else
                self.shaped(s, spec, operation, names, values, depth - 1)
                for m, s in shape.members.items()
                if m in shape.required_members or self.rng.random() < 0.4}
        if kind == "list":
            return [self.shaped(shape.member, spec, operation, names, values, depth - 1)
                    for _ in range(self.rng.randint(0, 2 if depth > 0 else 0))]
        if kind == "map":
            return {self.rng.choice(["a", "b", ":v", "#n"]):
                    self.shaped(shape.value, spec, operation, names, values, depth - 1)
                    for _ in range(self.rng.randint(0, 2 if depth > 0 else 0))}
        if kind == "string":
            enum = shape.enum
            if enum:
                return self.rng.choice(enum)
            return self.rng.choice(SAFE_STRINGS + STRINGS[:4])
        if kind in ("integer", "long"):
            low = shape.metadata.get("min", 0)
            return self.rng.choice([low, low + 1, 10, 1000, -1, 2**63])
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "double":
            return self.rng.choice([0.5, 1, -1.0, 1e300])
        if kind == "timestamp":
            return self.rng.choice([0, 1700000000, 1.5e9, -1, 10**12, 9e99, "2025-01-01",
                                    "x", int("9" * 100)])
        if kind == "blob":
            return base64.b64encode(self.rng.randbytes(3)).decode()
        return None

    def request_items(self, operation: str, spec: TableSpec) -> dict[str, Any]:
        table = self.tables.name(spec)
        if operation == "BatchGetItem":
            return {table: {"Keys": [self.item(spec, keys_only=True)
                                     for _ in range(self.rng.randint(1, 3))]}}
        writes = []
        for _ in range(self.rng.randint(1, 4)):
            if self.rng.random() < 0.7:
                writes.append({"PutRequest": {"Item": self.item(spec)}})
            else:
                writes.append({"DeleteRequest": {"Key": self.item(spec, keys_only=True)}})
        return {table: writes}

    def transact_item(self, operation: str, spec: TableSpec) -> dict[str, Any]:
        table = self.tables.name(spec)
        if operation == "TransactGetItems":
            return {"Get": {"TableName": table, "Key": self.item(spec, keys_only=True)}}
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        action = self.rng.choice(["Put", "Update", "Delete", "ConditionCheck"])
        body: dict[str, Any] = {"TableName": table}
        if action == "Put":
            body["Item"] = self.item(spec)
        else:
            body["Key"] = self.item(spec, keys_only=True)
        if action == "Update":
            body["UpdateExpression"] = self.expression(spec, "update", names, values)
        if action == "ConditionCheck" or self.rng.random() < 0.4:
            body["ConditionExpression"] = self.expression(spec, "condition", names, values)
        if names:
            body["ExpressionAttributeNames"] = names
        if values:
            body["ExpressionAttributeValues"] = values
        return {action: body}

    # -- mutations ------------------------------------------------------------------------

    def mutate(self, doc: Any) -> Any:
        """One change at a random place in the document."""
        paths = list(_paths(doc))
        if not paths:
            return self.replacement()
        path = self.rng.choice(paths)
        if not path:
            return self.replacement()
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if isinstance(parent, dict) and self.rng.random() < 0.25:
            del parent[last]
        elif isinstance(parent, dict) and self.rng.random() < 0.1:
            parent[self.rng.choice(STRINGS)] = self.replacement()
        else:
            parent[last] = self.replacement()
        return doc

    def replacement(self) -> Any:
        choice = self.rng.randrange(10)
        if choice == 0:
            return {}
        if choice == 1:
            value: dict[str, Any] = {"S": "deep"}
            for _ in range(self.rng.choice([31, 32, 33, 250])):
                value = {"M": {"a": value}} if self.rng.random() < 0.5 else {"L": [value]}
            return value
        if choice == 2:
            return {"S": "a", "N": "1"}
        if choice == 3:
            return {"N": self.rng.choice(NUMBERS)}
        if choice == 4:
            return {"S": self.rng.choice(STRINGS)}
        if choice == 5:
            return self.rng.choice(STRINGS)
        if choice == 6:
            return self.rng.choice(NUMBERS)
        return self.json_value(2)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Any:
    yield prefix
    if len(prefix) > 40:
        return  # inside a deliberately deep value: mutate above it
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for n, value in enumerate(doc):
            yield from _paths(value, (*prefix, n))


def dumps(doc: Any) -> bytes:
    """JSON as a client would send it, lone surrogates escaped (they are not UTF-8)."""
    return json.dumps(doc).encode()

