"""Which of DynamoDB's two request-validation layers answers each operation.

DynamoDB checks a request in one of two layers, rolled out per operation (and region), and the
layer decides the wording (recorded by the Parity Suite, 2026):
- the current layer names no place for a bad attribute value (no "ExpressionAttributeValues
  contains invalid value: ... for key :v"), words an empty number `...numeric value: `, reads
  a number's exponent as a 64-bit integer and quotes a duplicate set's members; UpdateItem and
  DeleteItem answer its errors inside the `1 validation error detected: ` envelope;
- the older layer (the others, and PutItem, whose older answers the 0.1.0 suite pins) answers
  bare and wraps a value's problem with its place; BatchWriteItem, the transactions and Scan
  also read a number as Java's BigDecimal (WRAPPING_NUMBERS: 1e2147483647 underflows).

The single-item writes and TransactWriteItems deserialize a value nested past
DESERIALIZER_LEVELS in an older form: its nesting
is refused after every other check of the request, bare, and a transaction checks its actions
one at a time, in order (a value's problem in one action after the earlier actions' errors).
"""

from __future__ import annotations

CURRENT = frozenset({"UpdateItem", "DeleteItem", "GetItem", "BatchGetItem", "Query"})
ENVELOPED = frozenset({"UpdateItem", "DeleteItem"})
WRAPPING_NUMBERS = frozenset({"BatchWriteItem", "TransactWriteItems", "TransactGetItems", "Scan"})
# Checked action by action, in request order.
ORDERED_ACTIONS = frozenset({"TransactWriteItems"})
# Checked in a later phase that reads the expressions as a whole (an UpdateExpression, which
# names and values they use, whether legacy parameters stand beside them): answered bare even
# where the layer envelopes (the 0.1.0 suite's UpdateItem recordings).
LATER_PHASE = ("Invalid UpdateExpression:", "Value provided in ExpressionAttribute",
               "Can not use both expression and non-expression")
# A ConditionalOperator outside its enum beside two or more legacy conditions, in a request
# read normally: answered alone and bare, before the other members' constraints (Query,
# PutItem and UpdateItem recordings; past the deserializer's depth the per-value enum form).
CONDITIONAL_OPERATOR = "Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]"
# 63 and 100 nested maps are read in the older form, 33 and 40 not (deepRequests recordings),
# by these operations (PartiQL's parameters report the first problem in document order).
DESERIALIZER_LEVELS = 63
DEFERRED_DEPTH = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
