"""The DynamoDB JSON protocol's constants, stated once for the server, moto's extensions and
the load-test client."""

from __future__ import annotations

DYNAMODB_TARGET = "DynamoDB_20120810"
STREAMS_TARGET = "DynamoDBStreams_20120810"
DYNAMODB_TARGET_PREFIX = DYNAMODB_TARGET + "."
CONTENT_TYPE = "application/x-amz-json-1.0"
# Real DynamoDB prefixes error types with the service's shape namespace.
ERROR_NAMESPACE = "com.amazonaws.dynamodb.v20120810#"
# AWS caps a request body at 16 MB (BatchWriteItem's largest).
MAX_REQUEST_BYTES = 16 * 1024 * 1024
# AttributeValue kinds whose JSON value is one plain scalar, and its Python type once parsed:
# what the fast paths recognise without walking botocore's model. (B is base64 text on the
# wire, so it is not among them.)
PLAIN_SCALAR_TYPES: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}
DELAY_KEY = "ddbkit.delay"  # WSGI environ: seconds to wait before sending the answer (faults)
# WSGI environ: a list the app may put one WSGI app into, to be run off the event loop (an
# admin call that takes seconds); its answer is sent when it is done, in the connection's order
DEFER_KEY = "ddbkit.defer"
PARAMS_KEY = "ddbkit.params"  # WSGI environ: the parsed request, for the access log's table
METRICS_PATH = "/metrics"  # Prometheus's scrape (docs/metrics.md), unsigned as GET / is
