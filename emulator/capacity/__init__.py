"""DynamoDB's capacity rules as pure functions: item sizes, read/write units, index writes.

`sizes` counts bytes as DynamoDB bills them; `rules` turns sizes into capacity units. Nothing
here knows moto: `capacity/consumed_capacity.py` applies these rules to each request.
"""
