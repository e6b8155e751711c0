"""Impact: which schema change broke which operation, which operations each change touches, and the
usage-aware criticality rule fed by that mapping."""

from __future__ import annotations

from graphql import build_schema

from monitor.core.changes import Change, ChangeType, Criticality
from monitor.core.contracts import (
    SourceFile,
    Status,
    affected_operations,
    change_keys,
    parse_sources,
    touched_coordinates,
    usage_lookup,
    validate_operations,
)
from monitor.core.rules import RuleOptions, apply_rules

OLD = build_schema(
    """
    type Query { stacks(first: Int): [Stack!]! user(id: ID!): User }
    type Mutation { stackCreate(input: StackInput!): Stack! }
    input StackInput { name: String! }
    type Stack { id: ID! labelsOld: [String!]! labels: [String!]! owner: Owner }
    type Owner { login: String! }
    type User { id: ID! email: String }
    enum State { OK FAILED }
    """
)
NEW = build_schema(
    """
    type Query { stacks(first: Int!): [Stack!]! user(id: ID!): User }
    type Mutation { stackCreate(input: StackInput!): Stack! }
    input StackInput { name: String! vcs: ID! }
    type Stack { id: ID! labels: [String!]! }
    type User { id: ID! }
    enum State { OK FAILED PENDING }
    """
)
OPS = parse_sources(
    [
        SourceFile(
            "ops/labels.graphql", "query Labels {\n  stacks(first: 1) {\n    id\n    labelsOld\n  }\n}\n"
        ),
        SourceFile("ops/owner.graphql", "query Owners($n: Int) { stacks(first: $n) { owner { login } } }"),
        SourceFile("ops/create.graphql", 'mutation Create { stackCreate(input: {name: "x"}) { id } }'),
        SourceFile("ops/user.graphql", "query Me { user(id: 1) { id } }"),
    ]
)


def change(
    kind: ChangeType, coordinate: str, crit: Criticality = Criticality.BREAKING, **kw: str | None
) -> Change:
    return Change(kind, crit, coordinate, coordinate, f"{kind.value} {coordinate}", "reason", **kw)  # type: ignore[arg-type]


FIELD_REMOVED = change(ChangeType.FIELD_REMOVED, "Stack.labelsOld", old="[String!]!")
OWNER_REMOVED = change(ChangeType.FIELD_REMOVED, "Stack.owner", old="Owner")
TYPE_REMOVED = change(ChangeType.TYPE_REMOVED, "Owner")
ARG_NON_NULL = change(ChangeType.FIELD_ARGUMENT_TYPE_CHANGED, "Query.stacks(first:)", old="Int", new="Int!")
INPUT_REQUIRED = change(ChangeType.INPUT_FIELD_ADDED, "StackInput.vcs", new="ID!")
EMAIL_REMOVED = change(ChangeType.FIELD_REMOVED, "User.email", old="String")
LABELS_DESCRIBED = change(
    ChangeType.FIELD_DESCRIPTION_CHANGED, "Stack.labelsOld", Criticality.SAFE, old="a", new="b"
)
CHANGES = [
    FIELD_REMOVED,
    OWNER_REMOVED,
    TYPE_REMOVED,
    ARG_NON_NULL,
    INPUT_REQUIRED,
    EMAIL_REMOVED,
    LABELS_DESCRIBED,
]


def test_each_broken_operation_names_the_change_that_broke_it() -> None:
    result = validate_operations(NEW, OPS, changes=CHANGES, old_schema=OLD)
    by_name = result.by_name()
    assert {name: op.status for name, op in by_name.items()} == {
        "Labels": Status.BROKEN,
        "Owners": Status.BROKEN,
        "Create": Status.BROKEN,
        "Me": Status.VALID,
    }
    labels = by_name["Labels"]
    assert labels.caused_by == (FIELD_REMOVED.id,)
    assert [(e.file, e.line, e.column, e.path) for e in labels.errors] == [
        ("ops/labels.graphql", 4, 5, "stacks.labelsOld")
    ]
    # Owners breaks twice: the nullable variable and the removed field. The removal of the type the field
    # returned explains neither error: the field's removal is the more specific explanation.
    assert set(by_name["Owners"].caused_by) == {OWNER_REMOVED.id, ARG_NON_NULL.id}
    assert by_name["Create"].caused_by == (INPUT_REQUIRED.id,)
    assert by_name["Me"].caused_by == ()


def test_without_the_old_schema_the_removed_field_is_still_seen() -> None:
    result = validate_operations(NEW, OPS, changes=CHANGES)
    assert set(result.by_name()["Owners"].caused_by) == {OWNER_REMOVED.id, ARG_NON_NULL.id}


def test_operation_broken_by_its_own_text_has_no_cause() -> None:
    ops = parse_sources([SourceFile("t.graphql", "query Typo { stacks(first: 1) { idd } }")])
    (op,) = validate_operations(NEW, ops, changes=CHANGES).operations
    assert (op.status, op.caused_by) == (Status.BROKEN, ())


def test_affected_operations_per_change() -> None:
    result = validate_operations(NEW, OPS, changes=CHANGES, old_schema=OLD)
    assert affected_operations(CHANGES, result) == {
        FIELD_REMOVED.id: ["Labels"],
        OWNER_REMOVED.id: ["Owners"],
        TYPE_REMOVED.id: ["Owners"],
        ARG_NON_NULL.id: ["Labels", "Owners"],  # every caller of Query.stacks
        INPUT_REQUIRED.id: ["Create"],
        EMAIL_REMOVED.id: [],
        LABELS_DESCRIBED.id: [],
    }
    assert dict(result.affected) == {k: tuple(v) for k, v in affected_operations(CHANGES, result).items()}


def test_change_keys_widen_where_the_change_reaches_further() -> None:
    optional_arg = change(
        ChangeType.FIELD_ARGUMENT_ADDED, "Query.stacks(after:)", Criticality.SAFE, new="String"
    )
    required_arg = change(ChangeType.FIELD_ARGUMENT_ADDED, "Query.stacks(org:)", new="ID!")
    optional_input = change(ChangeType.INPUT_FIELD_ADDED, "StackInput.note", Criticality.SAFE, new="String")
    input_removed = change(ChangeType.INPUT_FIELD_REMOVED, "StackInput.name", old="String!")
    enum_added = change(ChangeType.ENUM_VALUE_ADDED, "State.PENDING", Criticality.DANGEROUS)
    directive_arg = change(ChangeType.DIRECTIVE_ARGUMENT_ADDED, "@cached(ttl:)", new="Int!")
    root = Change(
        ChangeType.SCHEMA_QUERY_TYPE_CHANGED,
        Criticality.BREAKING,
        "schema",
        "schema",
        "m",
        "r",
        "Query",
        "Root",
    )
    assert change_keys(optional_arg) == {"Query.stacks(after:)"}
    assert change_keys(required_arg) == {"Query.stacks(org:)", "Query.stacks"}
    assert change_keys(ARG_NON_NULL) == {"Query.stacks(first:)", "Query.stacks"}
    assert change_keys(optional_input) == change_keys(optional_input, impact=True) == {"StackInput.note"}
    assert change_keys(INPUT_REQUIRED) == {"StackInput.vcs", "StackInput"}
    assert change_keys(input_removed) == {"StackInput.name"}
    assert change_keys(input_removed, impact=True) == {"StackInput.name", "StackInput"}  # variables carry it
    assert change_keys(enum_added) == {"State.PENDING"}
    assert change_keys(enum_added, impact=True) == {"State.PENDING", "State"}
    assert change_keys(directive_arg) == {"@cached(ttl:)", "@cached"}
    assert change_keys(root) == {"Query", "Root"}
    assert change_keys(LABELS_DESCRIBED) == frozenset()
    assert touched_coordinates([FIELD_REMOVED, LABELS_DESCRIBED, TYPE_REMOVED]) == {
        "Stack.labelsOld",
        "Owner",
    }


def test_usage_aware_criticality_names_operations_or_says_unused() -> None:
    result = validate_operations(NEW, OPS, changes=CHANGES, old_schema=OLD)
    ruled = {c.id: c for c in apply_rules(CHANGES, RuleOptions(), usage=usage_lookup(result)).changes}
    used = ruled[FIELD_REMOVED.id]
    assert (used.criticality, used.meta_dict["used_by"], used.reason) == (
        Criticality.BREAKING,
        "Labels",
        "reason",
    )
    assert ruled[ARG_NON_NULL.id].meta_dict["used_by"] == "Labels,Owners"
    unused = ruled[EMAIL_REMOVED.id]
    assert unused.criticality is Criticality.BREAKING  # other clients may still use it
    assert unused.meta_dict["used_by"] == ""
    assert unused.reason.endswith("unused by your operations")


INTERFACE_OLD = build_schema(
    """
    type Query { repository: Repository node: Node }
    interface Node { id: ID! }
    interface ProjectOwner { projects: [String!]! }
    type Repository { issue: Issue issues: [Issue!]! }
    type Issue implements Node & ProjectOwner { id: ID! title: String! projects: [String!]! items: [Item!]! }
    type Item { id: ID! }
    """
)
INTERFACE_NEW = build_schema(
    """
    type Query { repository: Repository node: Node }
    interface Node { id: ID! }
    interface ProjectOwner { projects: [String!]! }
    type Repository { issue: Issue issues: [Issue!]! }
    type Issue implements Node { id: ID! title: String! projects: [String!]! }
    """
)


def test_a_lost_interface_or_removed_type_is_named_only_for_the_errors_it_explains() -> None:
    """The GitHub 12 -> 14 case: 'Issue no longer implements ProjectNextOwner' must not be said to break an
    operation that only reads Issue's fields, nor one broken by a removed field."""
    from monitor.core.diff import diff_schemas

    changes = diff_schemas(INTERFACE_OLD, INTERFACE_NEW)
    by_kind = {(c.type, c.coordinate): c for c in changes}
    lost = by_kind[(ChangeType.OBJECT_TYPE_INTERFACE_REMOVED, "Issue")]
    items = by_kind[(ChangeType.FIELD_REMOVED, "Issue.items")]
    ops = parse_sources(
        [
            SourceFile("open.graphql", "query Open { repository { issues { id title } } }"),
            SourceFile("items.graphql", "query Items { repository { issue { title items { id } } } }"),
            SourceFile(
                "owner.graphql",
                "query Owner { repository { issue { ... on ProjectOwner { projects } } } }",
            ),
        ]
    )
    result = validate_operations(INTERFACE_NEW, ops, changes=changes, old_schema=INTERFACE_OLD)
    ops_by_name = result.by_name()
    assert ops_by_name["Open"].status is Status.VALID
    assert ops_by_name["Open"].caused_by == ()
    assert ops_by_name["Items"].caused_by == (items.id,)
    assert ops_by_name["Owner"].status is Status.BROKEN
    assert ops_by_name["Owner"].caused_by == (lost.id,)
