"""One request of each kind the emulator serves (for moto_patches.py's census): a durable
`Emulator` on a free loopback port, a table with a stream, a GSI, an LSI and TTL, and every
DynamoDB and Streams operation it answers, a few refusals among them."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from export_waits import finished
from restored import restored

from ddbkit.emulator.durability.config import DurabilityConfig
from ddbkit.emulator.endpoint.server import ServerConfig
from ddbkit.emulator.runtime import Emulator, EmulatorConfig

TABLE = "census"
KEY = {"pk": {"S": "a"}, "sk": {"S": "1"}}


def serve_each_kind(folder: Path) -> None:
    config = EmulatorConfig(server=ServerConfig(port=0), stage="census", ttl_interval=0,
                            durability=DurabilityConfig(folder / "data"), s3_dir=folder / "s3")
    with Emulator(config) as emulator:
        client = emulator.client()
        arn = _tables(client)
        _items(client)
        _reads(client)
        _batches_and_transactions(client)
        _partiql(client)
        _streams(emulator.client("dynamodbstreams"), arn)
        _backups(client, arn)
        _exports(client, arn)
        _tags(client, arn)
        emulator.reaper.run_once()
        client.delete_table(TableName=TABLE)


def _refused(call: Any, **kwargs: Any) -> None:
    """A request DynamoDB refuses: the refusal path is served too."""
    with contextlib.suppress(ClientError):
        call(**kwargs)


def _tables(client: Any) -> str:
    defined = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "l")]
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=defined,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
        LocalSecondaryIndexes=[{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    client.describe_time_to_live(TableName=TABLE)
    client.update_table(TableName=TABLE, AttributeDefinitions=defined,
                        GlobalSecondaryIndexUpdates=[{"Create": {
        "IndexName": "by-sk", "Projection": {"ProjectionType": "KEYS_ONLY"},
        "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}]}}])
    client.list_tables()
    client.describe_limits()
    client.describe_endpoints()
    _refused(client.describe_table, TableName="no-such-table")
    arn: str = client.describe_table(TableName=TABLE)["Table"]["TableArn"]
    return arn


def _items(client: Any) -> None:
    client.put_item(TableName=TABLE, Item={**KEY, "g": {"S": "x"}, "l": {"S": "y"},
                                           "n": {"N": "1"}, "b": {"B": b"\x00"},
                                           "m": {"M": {"a": {"L": [{"S": "v"}]}}},
                                           "expires": {"N": "1"}},
                    ConditionExpression="attribute_not_exists(pk)")
    _refused(client.put_item, TableName=TABLE, Item=KEY,
             ConditionExpression="attribute_not_exists(pk)",
             ReturnValuesOnConditionCheckFailure="ALL_OLD")
    _refused(client.put_item, TableName=TABLE, Item={"pk": {"N": "1"}, "sk": {"S": "1"}})
    client.get_item(TableName=TABLE, Key=KEY, ProjectionExpression="#n, m.a[0]",
                    ExpressionAttributeNames={"#n": "n"}, ConsistentRead=True,
                    ReturnConsumedCapacity="INDEXES")
    client.get_item(TableName=TABLE, Key=KEY, AttributesToGet=["n"])
    client.update_item(TableName=TABLE, Key=KEY, ReturnValues="ALL_NEW",
                       UpdateExpression="SET n = n + :one, m.a[1] = :v REMOVE l ADD s :set",
                       ExpressionAttributeValues={":one": {"N": "1"}, ":v": {"S": "w"},
                                                  ":set": {"SS": ["p"]}},
                       ReturnConsumedCapacity="TOTAL", ReturnItemCollectionMetrics="SIZE")
    client.update_item(TableName=TABLE, Key=KEY, AttributeUpdates={
        "legacy": {"Action": "PUT", "Value": {"S": "v"}}}, Expected={
        "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "2"}]}})
    client.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "sk": {"S": "2"},
                                           "g": {"S": "x"}, "l": {"S": "z"}})
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "a"}, "sk": {"S": "2"}},
                       ReturnValues="ALL_OLD", ConditionExpression="attribute_exists(pk)")


def _reads(client: Any) -> None:
    client.query(TableName=TABLE, KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                 FilterExpression="n > :zero", ProjectionExpression="pk, n",
                 ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "1"},
                                            ":zero": {"N": "0"}},
                 ScanIndexForward=False, Limit=5, ReturnConsumedCapacity="INDEXES")
    client.query(TableName=TABLE, IndexName="by-g", KeyConditions={
        "g": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
        QueryFilter={"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "0"}]}})
    client.query(TableName=TABLE, IndexName="by-l", Select="COUNT",
                 KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}})
    _refused(client.query, TableName=TABLE, KeyConditionExpression="sk = :s",
             ExpressionAttributeValues={":s": {"S": "1"}})
    first = client.scan(TableName=TABLE, Limit=1, ReturnConsumedCapacity="TOTAL")
    client.scan(TableName=TABLE, ExclusiveStartKey=first.get("LastEvaluatedKey", KEY),
                ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}})
    client.scan(TableName=TABLE, IndexName="by-g", Segment=0, TotalSegments=2,
                FilterExpression="attribute_exists(#m)", ExpressionAttributeNames={"#m": "m"})


def _batches_and_transactions(client: Any) -> None:
    other = {"pk": {"S": "b"}, "sk": {"S": "1"}}
    client.batch_write_item(RequestItems={TABLE: [
        {"PutRequest": {"Item": {**other, "g": {"S": "y"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"S": "2"}}}}]},
        ReturnConsumedCapacity="INDEXES", ReturnItemCollectionMetrics="SIZE")
    client.batch_get_item(RequestItems={TABLE: {"Keys": [KEY, other],
                                                "ProjectionExpression": "pk, g"}},
                          ReturnConsumedCapacity="TOTAL")
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "d"}, "sk": {"S": "1"}}}},
        {"Update": {"TableName": TABLE, "Key": other, "UpdateExpression": "SET t = :t",
                    "ExpressionAttributeValues": {":t": {"S": "v"}}}},
        {"ConditionCheck": {"TableName": TABLE, "Key": KEY,
                            "ConditionExpression": "attribute_exists(pk)"}},
        {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "e"}, "sk": {"S": "1"}}}}],
        ClientRequestToken="census-token", ReturnConsumedCapacity="INDEXES")
    _refused(client.transact_write_items, TransactItems=[
        {"Put": {"TableName": TABLE, "Item": KEY,
                 "ConditionExpression": "attribute_not_exists(pk)"}}])
    client.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": KEY}},
                                             {"Get": {"TableName": TABLE, "Key": other}}])


def _partiql(client: Any) -> None:
    client.execute_statement(Statement=f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'p', 'sk': '1'}}")
    client.execute_statement(Statement=f"UPDATE \"{TABLE}\" SET n = 5 WHERE pk = 'p' AND sk = '1'")
    client.execute_statement(Statement=f"SELECT * FROM \"{TABLE}\" WHERE pk = ?",
                             Parameters=[{"S": "p"}], Limit=1)
    client.execute_statement(Statement=f"SELECT pk FROM \"{TABLE}\".\"by-g\" WHERE g = 'x'")
    client.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'p' AND sk = '1'"},
        {"Statement": f"DELETE FROM \"{TABLE}\" WHERE pk = 'p' AND sk = '1'"}])
    client.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO \"{TABLE}\" VALUE {{'pk': 'q', 'sk': '1'}}"},
        {"Statement": f"UPDATE \"{TABLE}\" SET n = 1 WHERE pk = 'b' AND sk = '1'"}])
    client.execute_transaction(TransactStatements=[
        {"Statement": f"SELECT * FROM \"{TABLE}\" WHERE pk = 'q' AND sk = '1'"}])


def _streams(streams: Any, arn: str) -> None:
    stream_arn = streams.list_streams(TableName=TABLE)["Streams"][0]["StreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    for kind in ("TRIM_HORIZON", "LATEST"):
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType=kind)["ShardIterator"]
        streams.get_records(ShardIterator=iterator, Limit=100)
    _refused(streams.describe_stream, StreamArn=arn + "/stream/none")


def _backups(client: Any, arn: str) -> None:
    backup = client.create_backup(TableName=TABLE, BackupName="census")["BackupDetails"]
    client.describe_backup(BackupArn=backup["BackupArn"])
    client.list_backups(TableName=TABLE)
    client.restore_table_from_backup(TargetTableName="census-restored",
                                     BackupArn=backup["BackupArn"])
    restored(client, "census-restored")
    client.delete_backup(BackupArn=backup["BackupArn"])
    client.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    client.describe_continuous_backups(TableName=TABLE)
    client.restore_table_to_point_in_time(SourceTableArn=arn, UseLatestRestorableTime=True,
                                          TargetTableName="census-pitr")
    restored(client, "census-pitr")
    for table in ("census-restored", "census-pitr"):
        client.delete_table(TableName=table)


def _exports(client: Any, arn: str) -> None:
    export = finished(client, client.export_table_to_point_in_time(TableArn=arn,
                                                                   S3Bucket="census"))
    client.describe_export(ExportArn=export["ExportArn"])
    client.list_exports(TableArn=arn)
    prefix = export["ExportManifest"].rsplit("/", 1)[0] + "/data/"
    imported = client.import_table(
        S3BucketSource={"S3Bucket": "census", "S3KeyPrefix": prefix},
        InputFormat="DYNAMODB_JSON", InputCompressionType="GZIP",
        TableCreationParameters={"TableName": "census-imported", "BillingMode": "PAY_PER_REQUEST",
                                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "AttributeDefinitions": [
                                     {"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}]})
    client.describe_import(ImportArn=imported["ImportTableDescription"]["ImportArn"])
    client.list_imports()
    client.delete_table(TableName="census-imported")


def _tags(client: Any, arn: str) -> None:
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "census"}])
    client.list_tags_of_resource(ResourceArn=arn)
    client.untag_resource(ResourceArn=arn, TagKeys=["team"])
    policy = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
              '{"AWS": "*"}, "Action": "dynamodb:GetItem", "Resource": "*"}]}')
    client.put_resource_policy(ResourceArn=arn, Policy=policy)
    client.get_resource_policy(ResourceArn=arn)
    client.delete_resource_policy(ResourceArn=arn)
    _refused(client.get_resource_policy, ResourceArn=arn)
