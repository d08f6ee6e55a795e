"""DynamoDB's rules for a request's expressions and their `#names` / `:values`, checked
before any table is looked up (wording as DynamoDB answers, recorded in dynalite's tests and
the Parity Suite):

- names and values only with an expression that can use them (`ExpressionAttributeValues
  can only be specified when using expressions: ConditionExpression is null`);
- neither map empty, every key starting with `#` / `:`, no name empty;
- no expression empty or over 4 KB; a key condition uses no OR, NOT, IN, <> or function but
  begins_with; a ProjectionExpression is a list of document paths
  (`Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"`), none a reserved word;
- every `#name` / `:value` an expression uses is defined, and every one defined is used
  (`Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}`).
"""

from __future__ import annotations

import re
from typing import Any

from ddbkit.emulator.endpoint.wire import WireError

# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
MAX_EXPRESSION_BYTES = 4096
EXPRESSIONS = ("KeyConditionExpression", "ConditionExpression", "FilterExpression",
               "UpdateExpression", "ProjectionExpression")
# The expressions of each kind of request that may use `:values`, as DynamoDB names them
# when there is none ("... FilterExpression and KeyConditionExpression are null").
VALUE_EXPRESSIONS = {
    "Query": ("FilterExpression", "KeyConditionExpression"),
    "Scan": ("FilterExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "Update": ("UpdateExpression", "ConditionExpression"),
}
DEFAULT_VALUE_EXPRESSIONS = ("ConditionExpression",)
NAME_NOT_DEFINED = ("Invalid {expression}: An expression attribute name used in the document "
                    "path is not defined; attribute name: {token}")
VALUE_NOT_DEFINED = ("Invalid {expression}: An expression attribute value used in expression "
                     "is not defined; attribute value: {token}")
UNUSED = "Value provided in {member} unused in expressions: keys: {{{keys}}}"
MAP_RULES = {"ExpressionAttributeNames": "#", "ExpressionAttributeValues": ":"}
_TOKEN = re.compile(r"[#:][A-Za-z0-9_]+")
# A ProjectionExpression's tokens: names, placeholders, numbers, punctuation, anything else.
# What a key condition may not use: OR, NOT, IN, a function other than begins_with, <>.
# (A name with such a spelling is a reserved word, written as a #name.)
_KEY_OPERATOR = re.compile(r"(?<![#:\w])(?:\b(OR|NOT|IN)\b(?!\s*\.)|([A-Za-z_]\w*)(?=\s*\()|(<>))",
                           re.IGNORECASE)
_LEXEME = re.compile(r"\s*(?:(#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)|(\d+)|([.,\[\]])|(\S))")


def check(holder: dict[str, Any], kind: str, current: bool = False) -> None:
    """`kind`: the operation, or for a transaction's action its member (Put, Update, ...);
    `current`: the current layer (layers.py), which names no expression that is null."""
    names = holder.get("ExpressionAttributeNames")
    values = holder.get("ExpressionAttributeValues")
    texts = {e: holder[e] for e in EXPRESSIONS if isinstance(holder.get(e), str)}
    if values is not None:
        expected = VALUE_EXPRESSIONS.get(kind, DEFAULT_VALUE_EXPRESSIONS)
        if not any(e in texts for e in expected):
            null = "" if current else \
                f": {' and '.join(expected)} {'are' if len(expected) > 1 else 'is'} null"
            raise _invalid(f"ExpressionAttributeValues can only be specified when using "
                           f"expressions{null}")
    if names is not None and not texts:
        raise _invalid("ExpressionAttributeNames can only be specified when using expressions")
    for member, prefix in MAP_RULES.items():
        mapping = holder.get(member)
        if isinstance(mapping, dict):
            if not mapping:
                raise _invalid(f"{member} must not be empty")
            for key, value in mapping.items():
                if not key.startswith(prefix):
                    raise _invalid(f'{member} contains invalid key: Syntax error; key: "{key}"')
                if value == "" and prefix == "#":
                    raise _invalid(f"{member} contains invalid value: Empty attribute name for "
                                   f"key {key}")
    names = names if isinstance(names, dict) else {}
    values = values if isinstance(values, dict) else {}
    used: set[str] = set()
    for expression, text in texts.items():
        if not text.strip():
            raise _invalid(f"Invalid {expression}: The expression can not be empty;")
        # At most 4 bytes a character: a short text is measured without encoding it.
        size = len(text) if len(text) * 4 <= MAX_EXPRESSION_BYTES else \
            len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_EXPRESSION_BYTES:
            # (an UpdateExpression's refusal names no size: recorded in the Parity Suite)
            said = "" if expression == "UpdateExpression" else f" expression size: {size}"
            raise _invalid(f"Invalid {expression}: Expression size has exceeded the maximum "
                           f"allowed size;{said}")
        if expression == "ProjectionExpression":
            _projection_rules(text)
        elif expression == "KeyConditionExpression":
            _key_condition_rules(text)
        for token in _TOKEN.findall(text):
            if token[0] == "#" and token not in names:
                _syntax_first(texts)
                raise _invalid(NAME_NOT_DEFINED.format(expression=expression, token=token))
            if token[0] == ":" and token not in values:
                _syntax_first(texts)
                if expression == "KeyConditionExpression":
                    _clauses_first(text, names, values)
                raise _invalid(VALUE_NOT_DEFINED.format(expression=expression, token=token))
            used.add(token)
    for member, mapping in (("ExpressionAttributeNames", names),
                            ("ExpressionAttributeValues", values)):
        unused = [key for key in mapping if key not in used]
        if unused:
            _syntax_first(texts)
            raise _invalid(UNUSED.format(member=member, keys=", ".join(unused)))


def syntax(holder: dict[str, Any]) -> None:
    """The syntax of the holder's ConditionExpression and UpdateExpression, read as DynamoDB
    reads them before it checks values (only on an error path: layers.py)."""
    _syntax_first({e: holder[e] for e in ("UpdateExpression",)
                   if isinstance(holder.get(e), str)})
    text = holder.get("ConditionExpression")
    if isinstance(text, str) and text.strip():
        from ddbkit.emulator.expressions.condition_grammar import ConditionRefused, read

        try:
            read(text, holder.get("ExpressionAttributeNames"), None, "ConditionExpression",
                 operands=False)
        except ConditionRefused as refused:
            if "Syntax error" in refused.message:
                raise _invalid(refused.message) from None


def _clauses_first(text: str, names: dict[str, Any], values: dict[str, Any]) -> None:
    """DynamoDB walks a key condition's clauses in the order written and reports the first
    problem: a bad operand written before an undefined value is the answer. Read only on
    this error path."""
    from ddbkit.emulator.expressions.condition_grammar import ConditionRefused
    from ddbkit.emulator.expressions.key_conditions import read_clauses

    try:
        read_clauses(text, names, values)
    except ConditionRefused as refused:
        raise _invalid(refused.message) from None


def _syntax_first(texts: dict[str, str]) -> None:
    """DynamoDB parses an UpdateExpression before it looks at its names and values: a syntax
    error (or a reserved word as a name, or a function it lacks) is the answer even when a
    name is also missing or unused. Parsed only on this error path."""
    text = texts.get("UpdateExpression")
    if text is None or not text.strip():
        return
    from ddbkit.emulator.expressions.update_grammar import parse_refusal

    error = parse_refusal(text.strip())
    if error is not None:
        raise _invalid(error)


def _projection_rules(text: str) -> None:
    """A list of paths: name ('.' name | '[' number ']')*, separated by commas."""
    tokens = _lex(text)
    expect_name = True
    position = 0
    while position < len(tokens):
        token, kind = tokens[position]
        if expect_name:
            if kind != "name":
                raise _syntax(tokens, position, text)
            _not_reserved(token)
            expect_name = False
        elif token == ".":
            expect_name = True
        elif token == "[":
            if position + 2 >= len(tokens) or tokens[position + 1][1] != "number" or \
                    tokens[position + 2][0] != "]":
                raise _syntax(tokens, min(position + 1, len(tokens)), text)
            position += 2
        elif token == ",":
            expect_name = True
        else:
            raise _syntax(tokens, position, text)
        position += 1
    if expect_name:
        raise _syntax(tokens, len(tokens), text)


def _key_condition_rules(text: str) -> None:
    """A key condition compares keys with =, <, <=, >, >=, BETWEEN ... AND or begins_with,
    joined by AND: any other operator is refused by name."""
    for match in _KEY_OPERATOR.finditer(text):
        word, function, symbol = match.groups()
        if function is not None and function.lower() in ("begins_with", "and", "between"):
            continue  # AND and BETWEEN may open a parenthesised operand
        operator = word or function or symbol
        if operator is not None:
            raise _invalid(f"Invalid operator used in KeyConditionExpression: {operator}")


def _lex(text: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _LEXEME.finditer(text):
        name, number, punctuation, other = match.groups()
        if name:
            tokens.append((name, "name"))
        elif number:
            tokens.append((number, "number"))
        elif punctuation:
            tokens.append((punctuation, "punctuation"))
        elif other:
            tokens.append((other, "other"))
    return tokens


def _syntax(tokens: list[tuple[str, str]], position: int, text: str) -> WireError:
    """DynamoDB names the offending token and what follows it ("near")."""
    if position >= len(tokens):
        near = tokens[-1][0] if tokens else ""
        return _invalid(f'Invalid ProjectionExpression: Syntax error; token: "<EOF>", '
                        f'near: "{near}"')
    token = tokens[position][0]
    following = tokens[position + 1][0] if position + 1 < len(tokens) else ""
    start = _offset(text, tokens, position)
    end = _offset(text, tokens, position + 1) + len(following) if following else \
        start + len(token)
    return _invalid(f'Invalid ProjectionExpression: Syntax error; token: "{token}", '
                    f'near: "{text[start:end]}"')


def _offset(text: str, tokens: list[tuple[str, str]], position: int) -> int:
    offset = 0
    for token, _ in tokens[:position + 1]:
        offset = text.index(token, offset) + len(token)
    return offset - len(tokens[position][0])


_RESERVED: frozenset[str] | None = None


def _not_reserved(name: str) -> None:
    global _RESERVED
    if name.startswith("#"):
        return
    if _RESERVED is None:
        from ddbkit.emulator.moto_ext.expression_syntax import reserved_words

        _RESERVED = reserved_words()
    if name.upper() in _RESERVED:
        raise _invalid("Invalid ProjectionExpression: Attribute name is a reserved keyword; "
                       f"reserved keyword: {name}")


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)
