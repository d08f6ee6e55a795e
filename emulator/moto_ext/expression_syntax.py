"""DynamoDB's reserved words, from moto's list, for the expression readers
(`endpoint.rules.expressions`, `expressions.expression_reader`).

Imported lazily by them (at the first plain name they check), so reading a request does not
import moto.
"""

from __future__ import annotations

from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords


def reserved_words() -> frozenset[str]:
    return frozenset(ReservedKeywords.get_reserved_keywords())
