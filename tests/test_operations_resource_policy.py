"""PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy, ddbkit's own operations
(emulator/operations/*_resource_policy.py), through boto3 against a real server: revision
ids, ExpectedRevisionId, stream ARNs, a deleted table's policy, and DynamoDB's answer to an
operation the emulator does not serve (nothing is handed to moto's handler any more)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from refusals import refused

from ddbkit.emulator.runtime import Emulator


def _policy(arn: str, action: str = "dynamodb:GetItem") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": action, "Resource": arn}]})



def _arn(client: Any, name: str) -> str:
    return str(client.describe_table(TableName=name)["Table"]["TableArn"])


def test_put_get_delete_round_trip(client: Any, make_table: Any) -> None:
    arn = _arn(client, make_table("policy-trip"))
    code, message = refused(lambda: client.get_resource_policy(ResourceArn=arn))
    assert (code, message) == ("PolicyNotFoundException", "Resource-based policy not found "
                               f"for the provided ResourceArn: {arn}")
    document = _policy(arn)
    revision = client.put_resource_policy(ResourceArn=arn, Policy=document)["RevisionId"]
    assert revision.isdigit()
    got = client.get_resource_policy(ResourceArn=arn)
    assert (got["Policy"], got["RevisionId"]) == (document, revision)
    # The same document again is idempotent; another one is a new revision.
    assert client.put_resource_policy(ResourceArn=arn, Policy=document)["RevisionId"] == revision
    second = client.put_resource_policy(ResourceArn=arn, Policy=_policy(arn, "dynamodb:Query"),
                                        ExpectedRevisionId=revision)["RevisionId"]
    assert second != revision and int(second) > int(revision)
    deleted = client.delete_resource_policy(ResourceArn=arn)
    assert deleted["RevisionId"] == second
    assert refused(lambda: client.get_resource_policy(ResourceArn=arn))[0] == \
        "PolicyNotFoundException"


def test_delete_without_a_policy_is_idempotent(client: Any, make_table: Any) -> None:
    arn = _arn(client, make_table("policy-idem"))
    answered = client.delete_resource_policy(ResourceArn=arn)
    assert "RevisionId" not in answered
    # ... unless it expected a revision: there is none to match.
    code, message = refused(lambda: client.delete_resource_policy(ResourceArn=arn,
                                                                 ExpectedRevisionId="1"))
    assert code == "PolicyNotFoundException"
    assert "revision id 1" in message


def test_expected_revision_must_match(client: Any, make_table: Any) -> None:
    name = make_table("policy-expect")
    arn = _arn(client, name)
    code, _ = refused(lambda: client.put_resource_policy(ResourceArn=arn, Policy=_policy(arn),
                                                        ExpectedRevisionId="42"))
    assert code == "PolicyNotFoundException"  # none attached, yet one was expected
    revision = client.put_resource_policy(ResourceArn=arn, Policy=_policy(arn),
                                          ExpectedRevisionId="NO_POLICY")["RevisionId"]
    code, message = refused(lambda: client.put_resource_policy(
        ResourceArn=arn, Policy=_policy(arn, "dynamodb:Scan"), ExpectedRevisionId="NO_POLICY"))
    assert code == "PolicyNotFoundException"
    assert message.endswith(f"expecting none to be present for table {name}, but a policy "
                            f"exists with revision id {revision}.")
    code, message = refused(lambda: client.put_resource_policy(
        ResourceArn=arn, Policy=_policy(arn, "dynamodb:Scan"), ExpectedRevisionId="7"))
    assert (code, message.endswith(f"has revision id {revision}.")) == \
        ("PolicyNotFoundException", True)
    code, _ = refused(lambda: client.delete_resource_policy(ResourceArn=arn,
                                                           ExpectedRevisionId="7"))
    assert code == "PolicyNotFoundException"
    assert client.get_resource_policy(ResourceArn=arn)["RevisionId"] == revision  # unchanged
    client.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=revision)


def test_a_stream_has_its_own_policy(client: Any, make_table: Any) -> None:
    name = make_table("policy-stream", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    table = client.describe_table(TableName=name)["Table"]
    arn, stream = table["TableArn"], table["LatestStreamArn"]
    client.put_resource_policy(ResourceArn=stream, Policy=_policy(stream,
                                                                  "dynamodb:GetRecords"))
    assert refused(lambda: client.get_resource_policy(ResourceArn=arn))[0] == \
        "PolicyNotFoundException"
    assert "GetRecords" in client.get_resource_policy(ResourceArn=stream)["Policy"]
    other = stream.rpartition("/")[0] + "/2000-01-01T00:00:00.000"
    assert refused(lambda: client.get_resource_policy(ResourceArn=other)) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")


def test_unknown_tables_and_bad_arns(client: Any, make_table: Any) -> None:
    arn = _arn(client, make_table("policy-arns"))
    missing = arn + "-gone"
    assert refused(lambda: client.put_resource_policy(ResourceArn=missing,
                                                     Policy=_policy(missing)))[0] == \
        "ResourceNotFoundException"
    code, message = refused(lambda: client.get_resource_policy(ResourceArn="nonsense"))
    assert (code, "ARNs must start with 'arn:'" in message) == ("ValidationException", True)
    elsewhere = arn.replace(f":{client.meta.region_name}:", ":eu-west-3:")
    assert refused(lambda: client.delete_resource_policy(ResourceArn=elsewhere))[0] == \
        "ValidationException"


def test_a_deleted_tables_policy_goes_with_it(client: Any) -> None:
    name = "policy-recreated"
    spec: dict[str, Any] = {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    client.create_table(**spec)
    arn = _arn(client, name)
    client.put_resource_policy(ResourceArn=arn, Policy=_policy(arn))
    client.delete_table(TableName=name)
    client.create_table(**spec)
    try:
        assert refused(lambda: client.get_resource_policy(ResourceArn=arn))[0] == \
            "PolicyNotFoundException"
    finally:
        client.delete_table(TableName=name)


@pytest.mark.parametrize("operation", ["CreateGlobalTable", "DescribeContributorInsights",
                                       "NoSuchOperation"])
def test_an_operation_not_served_is_unknown(emulator: Emulator, operation: str) -> None:
    body = {"CreateGlobalTable": {"GlobalTableName": "global",
                                  "ReplicationGroup": [{"RegionName": "us-east-1"}]},
            "DescribeContributorInsights": {"TableName": "table"}}.get(operation, {})
    request = urllib.request.Request(
        emulator.endpoint_url, data=json.dumps(body).encode(),
        headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                 "Content-Type": "application/x-amz-json-1.0",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=ddbkit/20240101/"
                                  f"{emulator.region}/dynamodb/aws4_request, "
                                  "SignedHeaders=host, Signature=0"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    answer = json.loads(caught.value.read())
    assert answer["__type"].endswith("#UnknownOperationException")
    assert operation in answer["message"]
