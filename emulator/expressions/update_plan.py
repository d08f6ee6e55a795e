"""An UpdateExpression as ddbkit evaluates it: its actions, their paths and operands.

update_grammar.py reads the text into these; nothing
here depends on the item or on the request's #names and :values, so one plan serves every
request with the same expression text.

A path is a tuple of elements: a `str` is an attribute name, or a `#name` placeholder when it
starts with `#` (a plain name cannot), an `int` is a list index.
"""

from __future__ import annotations

from dataclasses import dataclass

Element = str | int
Path = tuple[Element, ...]


@dataclass(frozen=True, slots=True)
class PathOperand:
    path: Path


@dataclass(frozen=True, slots=True)
class ValueOperand:
    placeholder: str  # ":v"


@dataclass(frozen=True, slots=True)
class Function:
    name: str  # "if_not_exists" or "list_append"
    arguments: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Arithmetic:
    operator: str  # "+" or "-"
    left: Operand
    right: Operand


Operand = PathOperand | ValueOperand | Function | Arithmetic


@dataclass(frozen=True, slots=True)
class Action:
    """One action of a clause: SET path = operand, REMOVE path, ADD / DELETE path :value."""

    kind: str  # "SET", "REMOVE", "ADD" or "DELETE"
    path: Path
    operand: Operand | None  # None for REMOVE


@dataclass(frozen=True, slots=True)
class Plan:
    """The actions in the order written (the evaluator applies a run of REMOVEs so that each
    list keeps its original numbering: `REMOVE l[0], l[2]` removes what was at 0 and 2)."""

    actions: tuple[Action, ...]
    clauses: tuple[str, ...] = ()  # the clause keywords, in the order written

    def targets(self) -> list[Path]:
        """The paths the update writes, in the order written (for UPDATED_OLD/NEW)."""
        return [action.path for action in self.actions]
