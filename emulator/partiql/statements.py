"""PartiQL statements read into the DynamoDB requests they stand for.

DynamoDB's PartiQL is a thin language over its item operations: a SELECT is a GetItem, Query
or Scan with a filter, an INSERT a PutItem that must not overwrite, an UPDATE an UpdateItem
and a DELETE a DeleteItem, each on the item its WHERE clause names. This module reads a
statement (and its `?` parameters) into a `Statement`: table, index, the key equalities of the
WHERE clause, and the rest as DynamoDB expressions (condition, projection, update) over
placeholder names and values, which the item operations then run
(operations/statements.py). It touches no moto state.

The grammar is DynamoDB's subset: paths (`a`, `"a b"`, `a.b`, `a[0]`, `a['k']`), literals
(strings, numbers, booleans, null, `{...}` maps, `[...]` lists, `<<...>>` sets, `?`),
comparisons (`= <> != < <= > >=`), AND / OR / NOT, BETWEEN, IN, IS [NOT] MISSING / NULL,
the functions begins_with, contains, attribute_exists, attribute_not_exists,
attribute_type and size, and SELECT's ORDER BY the sort key ASC / DESC. Anything else
raises `NotWellFormed`.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.partiql.reader import UPDATE_FUNCTIONS, Reader, Statement
from ddbkit.emulator.partiql.tokens import NotWellFormed, ParameterCountError, paren


def rest_of(statement: Statement, key_names: list[str]) -> str | None:
    """The WHERE clause without the equalities that name the item (None: nothing left)."""
    if not statement.conjuncts:
        return statement.condition
    used: set[str] = set()
    rest = []
    for text, equality in statement.conjuncts:
        if equality is not None and equality[0] in key_names and equality[0] not in used:
            used.add(equality[0])
            continue
        rest.append(paren(text))
    return " AND ".join(rest) or None


def read(statement: str, parameters: list[Any] | None = None) -> Statement:
    reader = Reader(statement, list(parameters or []))
    if reader.word("SELECT"):
        _select(reader)
    elif reader.word("INSERT"):
        _insert(reader)
    elif reader.word("UPDATE"):
        _update(reader)
    elif reader.word("DELETE"):
        _delete(reader)
    else:
        raise NotWellFormed("expected SELECT, INSERT, UPDATE or DELETE")
    if not reader.done():
        raise NotWellFormed(f"unexpected {reader.peek().text}")  # type: ignore[union-attr]
    if reader.used != len(reader.parameters):
        raise ParameterCountError()
    return reader.result


def _select(reader: Reader) -> None:
    reader.result.kind = "SELECT"
    reader.at += 1
    if reader.punct("*"):
        reader.at += 1
    else:
        paths = [reader.segments()[1]]
        while reader.punct(","):
            reader.at += 1
            paths.append(reader.segments()[1])
        reader.result.projection = paths
    reader.expect_word("FROM")
    reader.table_name()
    reader.where()
    _order_by(reader)


def _order_by(reader: Reader) -> None:
    """ORDER BY the sort key: the partition's order, or its reverse."""
    if reader.word("ORDER"):
        reader.at += 1
        reader.expect_word("BY")
        reader.path()
        if reader.word("ASC", "DESC"):
            reader.result.descending = reader.take().text.upper() == "DESC"


def _insert(reader: Reader) -> None:
    reader.result.kind = "INSERT"
    reader.at += 1
    reader.expect_word("INTO")
    reader.table_name()
    reader.expect_word("VALUE")
    item = reader.literal()
    if "M" not in item:
        raise NotWellFormed("INSERT's VALUE must be a map")
    reader.result.item = item["M"]


def _update(reader: Reader) -> None:
    reader.result.kind = "UPDATE"
    reader.at += 1
    reader.table_name()
    sets: list[str] = []
    removes: list[str] = []
    while reader.word("SET", "REMOVE"):
        clause = reader.take().text.upper()
        while True:
            path, _ = reader.path()
            if clause == "REMOVE":
                removes.append(path)
            else:
                reader.expect_punct("=")
                sets.append(f"{path} = {_update_value(reader)}")
            if not reader.punct(","):
                break
            reader.at += 1
    if not sets and not removes:
        raise NotWellFormed("expected SET or REMOVE")
    clauses = [f"SET {', '.join(sets)}"] if sets else []
    clauses += [f"REMOVE {', '.join(removes)}"] if removes else []
    reader.result.update = " ".join(clauses)
    reader.where()


def _update_value(reader: Reader) -> str:
    token = reader.peek()
    if token is not None and token.kind == "ident" and \
            token.text.lower() in UPDATE_FUNCTIONS and reader._next_is("("):
        name = reader.take().text.lower()
        reader.expect_punct("(")
        arguments = [_update_value(reader)]
        while reader.punct(","):
            reader.at += 1
            arguments.append(_update_value(reader))
        reader.expect_punct(")")
        return f"{name}({', '.join(arguments)})"
    left = reader.operand()[0]
    if reader.punct("+", "-"):
        sign = reader.take().text
        return f"{left} {sign} {reader.operand()[0]}"
    return left


def _delete(reader: Reader) -> None:
    reader.result.kind = "DELETE"
    reader.at += 1
    reader.expect_word("FROM")
    reader.table_name()
    reader.where()
    _order_by(reader)
