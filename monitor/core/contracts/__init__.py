"""Saved operations (contracts): parse them, validate them against each new schema, explain breakage.

Pure: adapters read the files (:mod:`monitor.adapters.operations`) and hand over :class:`SourceFile`
values. The flow of one check::

    operations = parse_sources(files)                       # problems are values, never exceptions
    result = validate_operations(new_schema, operations, changes=changes, old_schema=old_schema,
                                 previous=previous, changed_coordinates=touched_coordinates(changes),
                                 deprecated_since=first_seen)
    changes = apply_rules(changes, options, usage=usage_lookup(result)).changes   # usage-aware rule
    # (affected_operations(changes, result) is the same as a dict: change id -> operation names)
    report_section = to_report_section(result)             # published in the report
    state = to_state(result)                               # stored for the next run; from_state() reads it
"""

from monitor.core.contracts.deprecations import (
    parse_removal_date,
    qualify_replacement,
    replacement_candidates,
    replacement_for,
    suggest_replacement,
)
from monitor.core.contracts.impact import (
    EVERYTHING,
    affected_operations,
    change_keys,
    touched_coordinates,
    usage_lookup,
)
from monitor.core.contracts.limits import Limits, check_limits
from monitor.core.contracts.model import (
    ContractProblem,
    ContractsResult,
    DeprecatedUsage,
    Operation,
    OperationError,
    OperationResult,
    OperationSet,
    SourceFile,
    Status,
)
from monitor.core.contracts.parsing import DOCUMENT_SUFFIXES, MANIFEST_SUFFIXES, parse_sources
from monitor.core.contracts.section import (
    SECTION_VERSION,
    from_report_section,
    operation_from_dict,
    operation_to_dict,
    to_report_section,
)
from monitor.core.contracts.state import STATE_VERSION, from_state, to_state
from monitor.core.contracts.validation import validate_operations

__all__ = [
    "DOCUMENT_SUFFIXES",
    "EVERYTHING",
    "MANIFEST_SUFFIXES",
    "SECTION_VERSION",
    "STATE_VERSION",
    "ContractProblem",
    "ContractsResult",
    "DeprecatedUsage",
    "Limits",
    "Operation",
    "OperationError",
    "OperationResult",
    "OperationSet",
    "SourceFile",
    "Status",
    "affected_operations",
    "change_keys",
    "check_limits",
    "from_report_section",
    "from_state",
    "operation_from_dict",
    "operation_to_dict",
    "parse_removal_date",
    "parse_sources",
    "qualify_replacement",
    "replacement_candidates",
    "replacement_for",
    "suggest_replacement",
    "to_report_section",
    "to_state",
    "touched_coordinates",
    "usage_lookup",
    "validate_operations",
]
