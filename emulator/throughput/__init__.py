"""The on-demand throughput model (`ddbkit up --throughput-model on-demand`): partitions,
token buckets, growth and throttling as DynamoDB's on-demand mode applies them."""
