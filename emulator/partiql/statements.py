"""PartiQL statements read into the DynamoDB requests they stand for: the grammar, in one place.

DynamoDB's PartiQL is a thin language over its item operations: a SELECT is a GetItem, Query
or Scan with a filter, an INSERT a PutItem that must not overwrite, an UPDATE an UpdateItem
and a DELETE a DeleteItem, each on the item its WHERE clause names, and EXISTS (only in
ExecuteTransaction) a ConditionCheck. This module reads a statement (and its `?` parameters)
into a `Statement`: table, index, the key equalities of the WHERE clause, and the rest as
DynamoDB expressions (condition, projection, update) over placeholder names and values, which
the item operations then run (operations/statements.py). It touches no stored state.

Grammar (keywords and function names in any case; `--` to the end of the line and `/* */`
are whitespace; a trailing `;` is allowed)::

    statement   := select | insert | update | delete | exists
    select      := SELECT projection FROM target [WHERE condition]
                   [ORDER BY path [ASC | DESC] {, path [ASC | DESC]}]
    projection  := '*' | path {, path}
    target      := name ['.' name]                      -- "table"."index"
    insert      := INSERT INTO name VALUE map
    update      := UPDATE name clause {clause} [WHERE condition] [returning]
                 | FROM name WHERE condition clause {clause} [returning]
    clause      := SET assignment {, assignment} | REMOVE path {, path}
    assignment  := path = set_add(path, set) | path = set_delete(path, set)
                 | path = update_value
    update_value:= list_append(update_value, update_value)
                 | if_not_exists(path, update_value) | operand [(+ | -) operand]
    delete      := DELETE FROM name [WHERE condition] [returning]
    returning   := RETURNING (ALL | MODIFIED) (OLD | NEW) '*'
    exists      := EXISTS '(' select ')'
    condition   := disjunct {OR disjunct};   disjunct := negation {AND negation}
    negation    := NOT negation | '(' condition ')' | function [(= | <> | !=) boolean]
                 | operand (comparator operand | BETWEEN operand AND operand
                            | IN ('(' | '[') operand {, operand} (')' | ']')
                            | IS [NOT] (MISSING | NULL | type))
    function    := attribute_exists(path) | attribute_not_exists(path)
                 | attribute_type(path, value) | begins_with(operand, value)
                 | contains(operand, value)
    operand     := path | value | size(path)
    comparator  := = | <> | != | < | <= | > | >=
    type        := BOOL | BOOLEAN | STRING | NUMBER | BLOB | BINARY | LIST | STRUCT | TUPLE
                 | MAP | NULL
    path        := name {'.' name | '[' index ']' | '[' string ']'}
    name        := identifier | "quoted name"
    value       := 'string' | number | TRUE | FALSE | NULL | map | list | set | '?'
    map         := '{' ['key' : value {, 'key' : value}] '}'
    list        := '[' [value {, value}] ']';     set := '<<' value {, value} '>>'

DynamoDB's refusals, with its wording: a token after a complete statement ("Unexpected token
after expression", so ORDER BY anywhere but after a SELECT's WHERE); a table alias ("Aliasing is
not supported"); a function it does not know where it stands ("Unrecognized function: name at
line:column:length"), a function in a SELECT's projection ("Unexpected path component at ...",
reported once the table and index are known); a function's operands ("Incorrect number of
operands ...", "Operator or function requires a document path ..."); an ordering operator or
BETWEEN on a value of a type with no order (BOOL, NULL, lists, maps, sets: "Incorrect operand
type ..."); set_add and set_delete whose first argument is not the assigned path, whose second
is not a set, or that do not have two arguments; an empty set literal ("Empty bags are not
supported"); a number literal past DynamoDB's range ("... under root.path"); a keyword after a
`.` in a path ("Invalid path dot component"). The rest of what cannot be read is NotWellFormed.
"""

from __future__ import annotations

from typing import Any

from ddbkit.emulator.partiql.reader import (
    LEFTOVER,
    SET_FUNCTIONS,
    UPDATE_FUNCTIONS,
    Operand,
    Reader,
    Statement,
)
from ddbkit.emulator.partiql.tokens import NotWellFormed, ParameterCountError, Refused, paren

ALIASING = "Aliasing is not supported"
RETURNING = {("ALL", "OLD"): "ALL_OLD", ("ALL", "NEW"): "ALL_NEW",
             ("MODIFIED", "OLD"): "UPDATED_OLD", ("MODIFIED", "NEW"): "UPDATED_NEW"}
# After a table name, what the statement forms read next (anything else is an alias).
FOLLOWING = {"WHERE", "ORDER", "SET", "REMOVE", "RETURNING"}


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
    elif reader.word("FROM"):
        _from_first_update(reader)
    elif reader.word("DELETE"):
        _delete(reader)
    elif reader.word("EXISTS"):
        _exists(reader)
    else:
        raise NotWellFormed(reader._unexpected("expected SELECT, INSERT, UPDATE or DELETE"))
    if not reader.done():
        raise NotWellFormed(LEFTOVER)
    if reader.used != len(reader.parameters):
        raise ParameterCountError()
    return reader.result


def _target(reader: Reader) -> None:
    """The table (and index) a statement names; an alias after it is refused."""
    reader.table_name()
    if reader.word("AS") or (not reader.done() and not reader.word(*FOLLOWING) and
                             reader.peek().kind in ("ident", "qident")):  # type: ignore[union-attr]
        raise Refused(ALIASING)


def _select(reader: Reader) -> None:
    reader.result.kind = "SELECT"
    reader.at += 1
    if reader.punct("*"):
        reader.at += 1
    else:
        paths = [_projected(reader)]
        while reader.punct(","):
            reader.at += 1
            paths.append(_projected(reader))
        reader.result.projection = paths
    reader.expect_word("FROM")
    _target(reader)
    if reader.word("WHERE"):
        reader.where()
    _order_by(reader)


def _projected(reader: Reader) -> list[Any]:
    token = reader.peek()
    if token is not None and reader.calls():
        reader.result.deferred = reader.result.deferred or \
            f"Unexpected path component at {token.at()}"
        reader.skip_call()
        return []
    return reader.path().segments


def _order_by(reader: Reader) -> None:
    """ORDER BY the sort key: the partition's order, or its reverse."""
    if reader.word("ORDER"):
        reader.at += 1
        reader.expect_word("BY")
        while True:
            reader.path()
            if reader.word("ASC", "DESC"):
                reader.result.descending = reader.take().text.upper() == "DESC"
            if not reader.punct(","):
                break
            reader.at += 1


def _exists(reader: Reader) -> None:
    reader.at += 1
    reader.expect_punct("(")
    if not reader.word("SELECT"):
        raise NotWellFormed(reader._unexpected("expected SELECT"))
    _select(reader)
    reader.expect_punct(")")
    reader.result.kind = "EXISTS"


def _insert(reader: Reader) -> None:
    reader.result.kind = "INSERT"
    reader.at += 1
    reader.expect_word("INTO")
    reader.table_name()
    if not reader.word("VALUE"):
        raise NotWellFormed(LEFTOVER)
    reader.at += 1
    if reader.punct("?"):
        item = reader.literal()
        if "M" not in item:
            raise NotWellFormed("The VALUE of an INSERT must be a map")
        reader.result.item = item["M"]
        return
    reader.expect_punct("{")
    reader.result.item = reader.members(lambda key: "root")


def _update(reader: Reader) -> None:
    reader.result.kind = "UPDATE"
    reader.at += 1
    _target(reader)
    _clauses(reader)
    if reader.word("WHERE"):
        reader.where()
    _returning(reader)


def _from_first_update(reader: Reader) -> None:
    """`FROM "T" WHERE ... SET ...`: an UPDATE with its clauses after the WHERE."""
    reader.result.kind = "UPDATE"
    reader.at += 1
    _target(reader)
    reader.where()
    _clauses(reader)
    _returning(reader)


def _clauses(reader: Reader) -> None:
    """SET and REMOVE clauses, as one UpdateExpression (set_add and set_delete as its ADD
    and DELETE)."""
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    while reader.word("SET", "REMOVE"):
        clause = reader.take().text.upper()
        while True:
            path = reader.path()
            if clause == "REMOVE":
                clauses["REMOVE"].append(path.text)
            else:
                reader.expect_punct("=")
                token = reader.peek()
                if token is not None and reader.calls() and \
                        token.text.lower() in SET_FUNCTIONS:
                    action, value = _set_function(reader, path)
                    clauses[action].append(f"{path.text} {value}")
                else:
                    clauses["SET"].append(f"{path.text} = {_update_value(reader)}")
            if not reader.punct(","):
                break
            reader.at += 1
    if not any(clauses.values()):
        raise NotWellFormed(reader._unexpected("expected SET or REMOVE"))
    reader.result.update = " ".join(f"{action} {', '.join(parts)}"
                                    for action, parts in clauses.items() if parts)


def _set_function(reader: Reader, assigned: Operand) -> tuple[str, str]:
    """`path = set_add(path, set)` (an ADD) or `set_delete` (a DELETE), checked as DynamoDB
    checks them."""
    token = reader.take()
    name = token.text.lower()
    upper = name.upper()
    reader.at += 1  # (
    arguments: list[Operand] = []
    while not reader.punct(")"):
        arguments.append(reader.operand())
        if not reader.punct(")"):
            reader.expect_punct(",")
    reader.at += 1
    if len(arguments) != 2:
        raise Refused(f"{upper} must have exactly two arguments at {token.at()}")
    first, second = arguments
    if first.kind != "path" or first.segments != assigned.segments:
        raise Refused(f"The first argument to {upper} must equal the assignment value at "
                      f"{token.at()}")
    if second.kind != "value" or next(iter(second.value), "") not in ("SS", "NS", "BS"):
        raise Refused(f"The second argument to {upper} must be a value with type SET at "
                      f"{first.token.at()}")
    return SET_FUNCTIONS[name], second.text


def _update_value(reader: Reader) -> str:
    token = reader.peek()
    if token is not None and reader.calls() and token.text.lower() in UPDATE_FUNCTIONS:
        reader.enter()
        name = reader.take().text.lower()
        reader.expect_punct("(")
        arguments = [_update_value(reader)]
        while reader.punct(","):
            reader.at += 1
            arguments.append(_update_value(reader))
        reader.expect_punct(")")
        reader.depth -= 1
        return f"{name}({', '.join(arguments)})"
    if reader.punct("("):
        reader.enter()
        reader.at += 1
        inner = _update_value(reader)
        reader.expect_punct(")")
        reader.depth -= 1
        return f"({inner})"
    left = reader.operand().text
    if reader.punct("+", "-"):
        sign = reader.take().text
        return f"{left} {sign} {reader.operand().text}"
    return left


def _delete(reader: Reader) -> None:
    reader.result.kind = "DELETE"
    reader.at += 1
    reader.expect_word("FROM")
    _target(reader)
    if reader.word("WHERE"):
        reader.where()
    _returning(reader)


def _returning(reader: Reader) -> None:
    if not reader.word("RETURNING"):
        return
    reader.at += 1
    which = reader.take().text.upper()
    when = reader.take().text.upper()
    reader.expect_punct("*")
    returning = RETURNING.get((which, when))
    if returning is None or (reader.result.kind == "DELETE" and returning != "ALL_OLD"):
        raise NotWellFormed("Unsupported RETURNING clause")
    reader.result.returning = returning
