"""One validation engine in front of moto: rules as data, DynamoDB's answers, AWS's order.

For each operation the members' shapes come from botocore's model and the limits it lacks
from aws_limits.py, compiled once (model.py) into checks (nodes.py). A request is answered
as DynamoDB answers, in its order:
1. a body that is not JSON, or a member of the wrong JSON type: SerializationException
   (validation.py, nodes.py);
2. a required map that is missing or empty (`The requestItems parameter is required for
   BatchWriteItem`), a required member the control plane names (`The parameter 'TableName'
   is required ...`);
3. the table name alone: when it breaks a constraint nothing else is reported;
4. every other member's constraints together, worded as DynamoDB words them (wording.py):
   `2 validation errors detected: Value '...' at 'returnValues' failed to satisfy
   constraint: ...; ...`;
5. DynamoDB's rules for attribute values (attribute_values.py);
6. the rules across members (request_rules.py and the modules it applies), before any
   table is looked up; rules that need the table run in moto_ext, after the lookup.
Which layer answers (layers.py) decides steps 5 and 6's wording and whether they are
enveloped (`1 validation error detected: ...`); a transaction interleaves them action by
action, and a value nested past the deserializer's depth is refused after all of them.
"""

from __future__ import annotations

from typing import Any

from botocore.model import ServiceModel

from ddbkit.emulator.endpoint.rules import aws_limits, layers, request_rules, wording
from ddbkit.emulator.endpoint.rules.model import compile_operation
from ddbkit.emulator.endpoint.rules.nodes import Node, Report, StructureNode, top_position
from ddbkit.emulator.endpoint.wire import WireError


class OperationRules:
    """The compiled checks of one operation's input."""

    def __init__(self, operation: str, node: StructureNode) -> None:
        self.operation = operation
        table = [(child, required) for name, child, required in node.members
                 if name == "TableName"]
        self.table_name: Node | None = table[0][0] if table else None
        self.table_required = bool(table) and table[0][1]
        self.required_map = aws_limits.REQUIRED_MAPS.get(operation)
        self.named_required = tuple(
            name for name, _, required in node.members
            if required and (operation, name) in aws_limits.REQUIRED_WORDING)
        self.whole = node
        self.joined_when_missing = aws_limits.JOINED_WHEN_MISSING.get(operation)
        self.rest = StructureNode(node.name)  # every member but TableName, checked after it
        self.rest.set_members(tuple(m for m in node.members if m[0] != "TableName"))

    def check(self, params: dict[str, Any]) -> None:
        if self.required_map is not None and not params.get(self.required_map):
            raise _invalid(f"The {wording.lower_first(self.required_map)} parameter is "
                           f"required for {self.operation}")
        for name in self.named_required:
            if params.get(name) is None:
                raise _invalid(wording.required(name))
        report = Report()
        if self.joined_when_missing is not None and \
                params.get(self.joined_when_missing) is None:
            self.whole.check_in_order(params, report)
            raise _invalid(wording.joined(report.violations))
        table = params.get("TableName")
        if self.table_name is not None:
            if table is not None:
                self.table_name.check(table, (None, "TableName", True), report)
            elif self.table_required:
                report.violate(None, (None, "TableName", True), wording.NOT_NULL)
            if report.violations:
                raise _invalid(wording.joined(report.violations))
        self.rest.check(params, None, report)
        if report.violations and report.late is None and _newer_conditional_operator(params):
            raise _invalid(layers.CONDITIONAL_OPERATOR)
        if report.violations or report.deferred:
            raise _invalid(wording.joined(report.violations or report.deferred))
        try:
            self._rules(params, report)
        except WireError as error:
            if self.operation in layers.ENVELOPED and report.late is None and \
                    error.error_type == "ValidationException" and \
                    not error.message.startswith(layers.LATER_PHASE):
                raise _invalid(wording.joined([error.message])) from None
            raise

    def _rules(self, params: dict[str, Any], report: Report) -> None:
        """Steps 5 and 6 in the layer's order."""
        problem = report.problem
        pending = None
        if problem is not None:
            error = WireError(problem.error_type, problem.message)
            if self.operation not in layers.ORDERED_ACTIONS:
                raise error
            pending = (top_position(report.problem_path), error)
        late = report.late
        request_rules.check(self.operation, params, pending, late is not None)
        if late is not None:
            raise WireError(late.error_type, late.message)


class ServiceRules:
    """Every operation of one service, compiled on first use."""

    def __init__(self, model: ServiceModel) -> None:
        self._model = model
        self._operations: dict[str, OperationRules] = {}

    def for_operation(self, operation: str) -> OperationRules | None:
        rules = self._operations.get(operation)
        if rules is None:
            shape = self._model.operation_model(operation).input_shape
            if shape is None:
                return None
            rules = self._operations[operation] = OperationRules(
                operation, compile_operation(operation, shape))
        return rules


def _newer_conditional_operator(params: dict[str, Any]) -> bool:
    """A ConditionalOperator outside its enum joining two or more legacy conditions is
    checked first, alone, in the newer form (layers.py)."""
    operator = params.get("ConditionalOperator")
    return isinstance(operator, str) and operator not in ("AND", "OR") and any(
        isinstance(params.get(member), dict) and len(params[member]) > 1
        for member in ("Expected", "QueryFilter", "ScanFilter"))


def _invalid(message: str) -> WireError:
    return WireError("ValidationException", message)
