"""DescribeTable's figures (ItemCount, TableSizeBytes, each index's ItemCount and
IndexSizeBytes) are counted once and then kept by every write: after any mix of writes they
equal a count made from a Scan of the table."""

from __future__ import annotations

import random
from typing import Any

from ddbkit.emulator.capacity.sizes import item_size

INDEXES = {"all-index": ("g", None), "keys-index": ("h", {"pk", "h"})}  # key, projected


def _expected(client: Any, table: str) -> dict[str, tuple[int, int]]:
    items = client.scan(TableName=table, ConsistentRead=True)["Items"]
    found = {"": (len(items), sum(item_size(i) for i in items))}
    for name, (key, names) in INDEXES.items():
        held = [i for i in items if key in i]
        found[name] = (len(held), sum(item_size(
            i if names is None else {k: v for k, v in i.items() if k in names}) for i in held))
    return found


def _described(client: Any, table: str) -> dict[str, tuple[int, int]]:
    described = client.describe_table(TableName=table)["Table"]
    found = {"": (described["ItemCount"], described["TableSizeBytes"])}
    for index in described["GlobalSecondaryIndexes"]:
        found[index["IndexName"]] = (index["ItemCount"], index["IndexSizeBytes"])
    return found


def test_figures_follow_a_random_mix_of_writes(client: Any, make_table: Any) -> None:
    table = make_table("figures", attributes=[{"AttributeName": "g", "AttributeType": "S"},
                                              {"AttributeName": "h", "AttributeType": "N"}],
                       GlobalSecondaryIndexes=[
                           {"IndexName": "all-index", "Projection": {"ProjectionType": "ALL"},
                            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]},
                           {"IndexName": "keys-index",
                            "Projection": {"ProjectionType": "KEYS_ONLY"},
                            "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}]}])
    rng = random.Random(25)

    def item(n: int) -> dict[str, Any]:
        found: dict[str, Any] = {"pk": {"S": f"k{n}"}, "v": {"S": "x" * rng.randint(0, 40)}}
        if rng.random() < 0.7:
            found["g"] = {"S": rng.choice(["a", "bb", "ccc"])}
        if rng.random() < 0.5:
            found["h"] = {"N": str(rng.randint(-999, 999))}
        return found

    assert _described(client, table) == _expected(client, table)  # counted once, empty
    for step in range(300):
        n, kind = rng.randint(0, 40), rng.random()
        key = {"pk": {"S": f"k{n}"}}
        if kind < 0.35:
            client.put_item(TableName=table, Item=item(n))
        elif kind < 0.55:
            client.update_item(TableName=table, Key=key,
                               UpdateExpression="SET g = :g, v = :v REMOVE h",
                               ExpressionAttributeValues={":g": {"S": "dd"},
                                                          ":v": {"S": "y" * (n % 7)}})
        elif kind < 0.7:
            client.delete_item(TableName=table, Key=key)
        elif kind < 0.85:
            client.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": item(n)}},
                {"DeleteRequest": {"Key": {"pk": {"S": f"k{(n + 1) % 41}"}}}}]})
        else:  # a transaction that fails its condition changes nothing
            try:
                client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": table, "Item": item(n)}},
                    {"ConditionCheck": {"TableName": table,
                                        "Key": {"pk": {"S": f"k{(n + 2) % 41}"}},
                                        "ConditionExpression": "attribute_exists(nothing)"}}])
            except client.exceptions.TransactionCanceledException:
                pass
        if step % 50 == 49:
            assert _described(client, table) == _expected(client, table), step
