"""The structured answers of the MCP tools: one pydantic model per tool, all sharing :class:`Answer`.

Every answer about a target names the snapshot it was computed from (``snapshot`` and ``fingerprint``
are the same content hash: a snapshot id *is* its fingerprint) and when that schema was fetched. An answer
cut to fit the size budget says so in ``truncated`` and tells, in ``note``, how to ask for the rest.
"""

from __future__ import annotations

from typing import Any, Final, TypedDict

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

#: How many coordinates folded into a search hit are shown (the rest are counted).
FOLDED_SHOWN: Final = 6


def fold_coordinates(coordinates: list[str] | tuple[str, ...], shown: int = FOLDED_SHOWN) -> list[str]:
    """The first ``shown`` coordinates folded into a hit, and a count of the rest."""
    if len(coordinates) <= shown:
        return list(coordinates)
    return [*coordinates[:shown], f"{len(coordinates) - shown} more"]


class Envelope(TypedDict):
    """The keyword arguments every answer about one snapshot starts from."""

    target: str
    snapshot: str | None
    fingerprint: str | None
    fetched_at: str | None


class Answer(BaseModel):
    """Fields every answer about one target carries."""

    target: str
    snapshot: str | None = Field(description="Snapshot id the answer was computed from (its fingerprint).")
    fingerprint: str | None = Field(
        description="sha256 of the schema's canonical form; equals the snapshot id."
    )
    fetched_at: str | None = Field(description="When gqlmon first fetched this schema (ISO 8601, UTC).")
    truncated: bool = False
    note: str | None = Field(default=None, description="How to ask for what was left out, and other remarks.")


# ------------------------------------------------------------------------------------------- targets


class TargetStatus(BaseModel):
    """One monitored API as the store and the configuration know it."""

    target: str
    url: str | None
    configured: bool
    auth: str | None
    schedule: str | None
    allow_mutations: bool
    snapshot: str | None
    fingerprint: str | None
    fetched_at: str | None
    snapshots: int
    last_check: str | None
    last_outcome: str | None
    last_error: str | None
    open_breaking: int = Field(description="Breaking changes of the current schema version not acknowledged.")
    open_dangerous: int
    operation_tools: list[OperationTool] = Field(
        default_factory=list,
        description="With [targets.mcp] expose_operations: each saved operation's tool, or why it is not offered.",
    )


class OperationTool(BaseModel):
    """A saved operation offered as a tool of its own (``tool``), or not (``reason``)."""

    operation: str
    tool: str | None = None
    reason: str | None = None


class TargetList(BaseModel):
    """The answer of list_targets."""

    targets: list[TargetStatus]
    note: str | None = None


# ------------------------------------------------------------------------------------------- schema


class TypeLine(BaseModel):
    name: str
    kind: str
    description: str


class RootOperation(BaseModel):
    operation: str
    type: str
    fields: int


class SchemaAnswer(Answer):
    """The answer of get_schema: a summary, or SDL (whole, or the named types)."""

    format: str
    description: str | None = None
    roots: list[RootOperation] = Field(default_factory=list)
    type_count: int = 0
    offset: int = 0
    types: list[TypeLine] = Field(default_factory=list)
    sdl: str | None = None
    shown: list[str] = Field(default_factory=list, description="Names of the types/definitions in `sdl`.")
    unknown_types: list[str] = Field(default_factory=list)
    validity_problems: list[str] = Field(default_factory=list)


class SearchHitModel(BaseModel):
    """A :class:`monitor.core.search.SearchHit` as the answer shows it (``model_validate(hit)``)."""

    model_config = ConfigDict(from_attributes=True)

    coordinate: str
    kind: str
    path: str | None = Field(
        description="Shortest natural way from a root operation to the coordinate; null when none reaches it."
    )
    signature: str
    description: str
    deprecated: bool = Field(default=False, description="Only present (true) for a deprecated element.")
    deprecation_reason: str | None = None
    score: float
    also: list[str] = Field(
        default=[],
        description="Coordinates folded into this hit: the same interface field on the other types that have it "
        "(at most 6; 'N more' counts the rest).",
    )

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out what is usual (not deprecated, nothing folded): ten hits must stay small."""
        data: dict[str, Any] = handler(self)
        for key, usual in (("deprecated", False), ("deprecation_reason", None), ("also", [])):
            if data.get(key) == usual:
                data.pop(key, None)
        return data

    @field_validator("also", mode="before")
    @classmethod
    def _fold(cls, coordinates: Any) -> Any:
        """The first six folded coordinates and a count of the rest: a hit is glanced at, not read."""
        return fold_coordinates(coordinates) if isinstance(coordinates, list | tuple) else coordinates


class SearchAnswer(Answer):
    """The answer of search_schema."""

    query: str
    scope: str
    hits: list[SearchHitModel]


class TypeAnswer(Answer):
    """The answer of get_type."""

    name: str
    kind: str
    description: str
    sdl: str
    interfaces: list[str] = Field(default_factory=list)
    possible_types: list[str] = Field(default_factory=list)
    referenced_types: list[str] = Field(default_factory=list)
    deprecated_members: list[str] = Field(default_factory=list)
    included_types: list[str] = Field(
        default_factory=list, description="Types printed in `sdl`, nearest first."
    )
    path: str | None = None
    member_count: int = Field(default=0, description="Fields, input fields or enum values the type has.")
    offset: int = 0
    omitted_members: list[str] = Field(
        default_factory=list,
        description="Members of the type not printed in this answer (ask for them with fields=[...] or offset).",
    )


class OperationLine(BaseModel):
    name: str
    signature: str
    description: str
    deprecated: bool
    deprecation_reason: str | None


class OperationsAnswer(Answer):
    """The answer of list_operations."""

    root: str
    root_type: str | None
    total: int
    offset: int
    operations: list[OperationLine]


# ------------------------------------------------------------------------------------------- history


class ChangeModel(BaseModel):
    id: str
    type: str
    criticality: str
    path: str
    coordinate: str
    message: str
    reason: str
    old: str | None = None
    new: str | None = None
    acknowledged: str | None = None
    seen_at: str | None = None
    run_id: str | None = None
    introduced_in: str | None = Field(default=None, description="Snapshot id the change first appeared in.")


class BrokenOperation(BaseModel):
    name: str
    file: str | None = None
    line: int | None = None
    errors: list[str] = Field(default_factory=list)
    caused_by: list[str] = Field(
        default_factory=list, description="Ids of the changes that explain the errors."
    )
    causes: list[str] = Field(default_factory=list, description="What those changes did, in words.")


class ChangeGroup(BaseModel):
    """Changes about one feature (``ProjectNext…``) or one type, read as one line."""

    label: str
    criticality: str
    count: int
    kinds: str
    examples: list[str] = Field(default_factory=list, description="The first few coordinates.")


class DeprecationModel(BaseModel):
    coordinate: str
    reason: str | None = None
    source: str = Field(description="'schema' for a deprecation the run found, 'operation' for a usage.")
    operation: str | None = None


class ReportAnswer(Answer):
    """The answer of get_drift_report: summary first, then what breaks the saved operations, then the
    rest grouped by family, then the changes themselves."""

    run_id: str
    outcome: str
    started_at: str
    finished_at: str
    summary: dict[str, int]
    error: str | None = None
    previous_snapshot: str | None = None
    state: list[str] = Field(
        default_factory=list, description="Rollback, flapping, or what is still open when nothing changed."
    )
    broken_operations: list[BrokenOperation] = Field(default_factory=list)
    groups: list[ChangeGroup] = Field(
        default_factory=list,
        description="Breaking changes no saved operation uses, then dangerous ones, by family.",
    )
    changes_total: int = 0
    changes: list[ChangeModel] = Field(
        default_factory=list,
        description="Worst first; within each level what breaks saved operations, then what they use.",
    )
    deprecations: list[DeprecationModel] = Field(default_factory=list)
    validity_problems: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class ChangeFamily(BaseModel):
    """Changes of one kind (FIELD_REMOVED, ...), counted, with the first few paths."""

    type: str
    count: int
    paths: list[str]


class ChangesAnswer(Answer):
    """The answer of schema_changes: on the first page, what breaks first; then the changes, worst first."""

    since: str
    since_time: str
    criticality: str | None
    path_prefix: str | None
    change_type: str | None = None
    total: int = Field(description="Changes matching the filters.")
    offset: int = 0
    counts: dict[str, int] = Field(default_factory=dict, description="Matching changes by criticality.")
    broken_operations: list[BrokenOperation] = Field(
        default_factory=list, description="Saved operations the latest schema breaks (first page only)."
    )
    breaking: list[ChangeFamily] = Field(
        default_factory=list, description="Breaking changes grouped by kind (first page only)."
    )
    others: dict[str, int] = Field(
        default_factory=dict, description="Dangerous and safe changes counted by kind (first page only)."
    )
    changes: list[ChangeModel] = Field(default_factory=list)


class HistoryEvent(BaseModel):
    at: str
    event: str = Field(description="appeared | deprecated | undeprecated | type changed | removed | ...")
    change_type: str | None = None
    criticality: str | None = None
    message: str
    old: str | None = None
    new: str | None = None
    run_id: str | None = None
    snapshot: str | None = None


class HistoryAnswer(Answer):
    """The answer of coordinate_history."""

    coordinate: str
    exists: bool
    signature: str | None = None
    deprecation_reason: str | None = None
    first_snapshot: str | None = None
    in_first_snapshot: bool = False
    events: list[HistoryEvent]


# ------------------------------------------------------------------------------------------- operations


class Location(BaseModel):
    line: int
    column: int | None = None


class CausedBy(BaseModel):
    change_id: str
    type: str
    criticality: str
    path: str
    message: str
    seen_at: str
    run_id: str
    snapshot: str | None = None


class ErrorModel(BaseModel):
    message: str
    kind: str
    locations: list[Location] = Field(default_factory=list)
    file: str | None = None
    path: str | None = Field(default=None, description="Selection path from the operation's root.")
    coordinates: list[str] = Field(default_factory=list)
    caused_by: CausedBy | None = None


class DeprecatedUsageModel(BaseModel):
    """A deprecated element an operation uses (``model_validate`` of the contracts' own record)."""

    model_config = ConfigDict(from_attributes=True)

    coordinate: str
    reason: str
    line: int | None = None
    column: int | None = None
    first_seen: str | None = Field(default=None, description="When gqlmon first saw it deprecated.")
    removal_date: str | None = Field(default=None, description="A removal date the reason announces.")
    replacement: str | None = Field(default=None, description="What the reason suggests using instead.")


class OperationSummary(BaseModel):
    name: str | None
    kind: str
    depth: int
    fields: int


class ValidationAnswer(Answer):
    """The answer of validate_operation."""

    valid: bool
    operations: list[OperationSummary]
    errors: list[ErrorModel]
    deprecated_usages: list[DeprecatedUsageModel]


class ContractOperation(BaseModel):
    name: str
    kind: str
    file: str
    line: int
    status: str = Field(description="valid | broken | deprecated")
    errors: list[ErrorModel] = Field(default_factory=list)
    caused_by: list[CausedBy] = Field(default_factory=list, description="Schema changes that broke it.")
    deprecated_usages: list[DeprecatedUsageModel] = Field(default_factory=list)


class ContractsAnswer(Answer):
    """The answer of check_contracts."""

    directory: str | None
    total: int
    valid: int
    broken: int
    deprecated: int
    problems: list[str]
    operations: list[ContractOperation]


# ------------------------------------------------------------------------------------------- auth and live


class HeaderSpec(BaseModel):
    name: str
    value: str = Field(description="The value's form; placeholders in <angle brackets>, never a real secret.")
    secret: bool


class TokenExchange(BaseModel):
    url: str
    document: str
    variables: dict[str, str] = Field(description="Variable name -> what to send (placeholders).")
    token_path: str | None
    expires_path: str | None
    default_ttl_seconds: float | None


class AuthGuide(Answer):
    """The answer of get_authentication_guide."""

    url: str
    method: str
    configured_method: str
    summary: str
    headers: list[HeaderSpec]
    steps: list[str]
    token_exchange: TokenExchange | None = None
    refresh: str
    environment: list[str] = Field(description="Environment variables the examples read.")
    python_example: str
    typescript_example: str


class ExecuteAnswer(Answer):
    """The answer of execute_query."""

    operation: str | None
    status_code: int
    elapsed_ms: int
    data: Any = None
    errors: list[Any] = Field(default_factory=list)
    trimmed: list[str] = Field(
        default_factory=list, description="Lists cut to fit, as 'path: kept of total'."
    )
    deprecated_usages: list[DeprecatedUsageModel] = Field(default_factory=list)
