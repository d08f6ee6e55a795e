"""The write paths the fidelity extensions added (PartiQL writes, a GSI added by UpdateTable,
TTL settings, tags) are journaled like any other write: they survive a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ddbkit.emulator.connect.clients import make_client


def test_partiql_writes_gsi_and_ttl_changes_survive_a_restart(tmp_path: Path,
                                                               durable_up: Any) -> None:
    data_dir = tmp_path / "data"
    args = ("--stage", "semdur", "--no-seed", "--ttl-interval", "0")
    first = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=first.endpoint_url)
    name = "sem-durable"
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'a', 'g': 'G', 'n': 1.50}}")
    client.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'b', 'g': 'G'}}")
    client.execute_statement(Statement=f"UPDATE \"{name}\" SET n = 7 WHERE pk = 'b'")
    client.execute_statement(Statement=f"DELETE FROM \"{name}\" WHERE pk = 'a'")
    client.update_table(
        TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "g-index", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "1"}])
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "2"}])
    assert first.stop() == 0

    second = durable_up(data_dir, *args).start()
    client = make_client(endpoint_url=second.endpoint_url)
    assert client.scan(TableName=name)["Items"] == [
        {"pk": {"S": "b"}, "g": {"S": "G"}, "n": {"N": "7"}}]
    found = client.query(TableName=name, IndexName="g-index", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "G"}})["Items"]
    assert [i["pk"]["S"] for i in found] == ["b"]
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert client.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "2"}]
    second.stop()
