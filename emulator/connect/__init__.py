"""Reaching an endpoint from the client side: `clients` (boto3 clients, botocore errors as
ddbkit's), `target` (where a client command goes), `announce` (the endpoint a running
`ddbkit up` names in its state dir) and `admin_client` (the emulator's admin operations)."""
