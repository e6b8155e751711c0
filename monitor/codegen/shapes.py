"""What an operation's variables and result look like, computed from the schema: the language-neutral
model both renderers (:mod:`~monitor.codegen.python`, :mod:`~monitor.codegen.typescript`) print.

A result is a tree of :class:`ObjectShape` values, one per selection set and concrete-type group:

- Fields are collected the way GraphQL executes them (spec "CollectFields"): fragment spreads and inline
  fragments are flattened into the selection of every concrete type their type condition applies to,
  fields with the same response key are merged, and aliases name the fields.
- A selection on an interface or union whose fragments narrow to some of its types becomes a
  :class:`UnionShape`: one variant per group of concrete types that receives the same fields, each
  variant discriminated by the exact ``__typename`` values it stands for. ``__typename`` is added to
  the selection (:func:`ensure_typenames`) wherever a union is needed and the operation does not ask
  for it.
- A field under ``@include`` / ``@skip`` (on itself or on an enclosing fragment) may be absent:
  :attr:`FieldShape.optional`.

Nullability is exact: a :class:`Maybe` wraps exactly the nullable positions of the field's type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionNode,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNode,
    Undefined,
    VariableDefinitionNode,
    get_named_type,
    is_abstract_type,
    is_input_type,
    type_from_ast,
)
from graphql.language import ListTypeNode, NonNullTypeNode

from monitor.codegen.naming import pascal

# ------------------------------------------------------------------------------------------- type refs


@dataclass(frozen=True, slots=True)
class Named:
    """A named type: a scalar, an enum, an input object, or a generated result shape (``object``)."""

    kind: Literal["scalar", "enum", "input", "object"]
    name: str


@dataclass(frozen=True, slots=True)
class Typename:
    """``__typename``: exactly one of ``names``."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Ref


@dataclass(frozen=True, slots=True)
class Maybe:
    """A nullable position (GraphQL's default; ``!`` removes it)."""

    inner: Ref


Ref = Named | Typename | ListOf | Maybe


# ------------------------------------------------------------------------------------------- shapes


@dataclass(frozen=True, slots=True)
class FieldShape:
    key: str  # the response key: the alias, else the field name
    ref: Ref
    optional: bool = False  # under @include/@skip: may be missing from the response
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectShape:
    """The fields one selection set yields for ``typenames`` (the concrete types it stands for)."""

    name: str
    typenames: tuple[str, ...]
    fields: tuple[FieldShape, ...]
    discriminated: bool = False  # a variant of a UnionShape: its __typename tells it apart


@dataclass(frozen=True, slots=True)
class UnionShape:
    """A selection on an abstract type whose fragments narrow it: one variant per field set."""

    name: str
    variants: tuple[ObjectShape, ...]


Shape = ObjectShape | UnionShape


@dataclass(frozen=True, slots=True)
class InputValueShape:
    """An operation's variable or an input object's field: required unless nullable or defaulted."""

    name: str
    ref: Ref
    has_default: bool
    description: str | None = None

    @property
    def required(self) -> bool:
        return not isinstance(self.ref, Maybe) and not self.has_default


@dataclass(frozen=True, slots=True)
class InputShape:
    name: str
    fields: tuple[InputValueShape, ...]
    description: str | None = None
    one_of: bool = False


@dataclass(frozen=True, slots=True)
class EnumShape:
    name: str
    values: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class OperationShape:
    """One operation, ready to print: its (``__typename``-completed) document, variables and result."""

    name: str
    kind: Literal["query", "mutation", "subscription"]
    document: str
    variables: tuple[InputValueShape, ...]
    result: ObjectShape
    shapes: tuple[Shape, ...]  # every result shape, dependencies before the shapes that use them


@dataclass(frozen=True, slots=True)
class ModuleShape:
    """Everything one generated module holds."""

    operations: tuple[OperationShape, ...]
    enums: tuple[EnumShape, ...]
    inputs: tuple[InputShape, ...]  # dependencies first
    scalars: tuple[str, ...]  # the custom scalars used (sorted)


# ------------------------------------------------------------------------------------------- building


_BUILTIN_SCALARS = frozenset({"ID", "String", "Int", "Float", "Boolean"})
_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


@dataclass
class _Used:
    """Named types the module must declare, in first-use order."""

    enums: dict[str, GraphQLEnumType] = field(default_factory=dict)
    inputs: dict[str, GraphQLInputObjectType] = field(default_factory=dict)
    scalars: set[str] = field(default_factory=set)


def build_module(
    schema: GraphQLSchema,
    operations: Sequence[tuple[OperationDefinitionNode, Sequence[FragmentDefinitionNode]]],
) -> ModuleShape:
    """The shapes of ``operations`` (each with the fragments it spreads), valid against ``schema``."""
    used = _Used()
    built = tuple(
        _Operation(schema, definition, fragments, used).build() for definition, fragments in operations
    )
    inputs = _input_shapes(used)
    enums = tuple(
        EnumShape(e.name, tuple(e.values), e.description)
        for e in sorted(used.enums.values(), key=lambda e: e.name)
    )
    return ModuleShape(built, enums, inputs, tuple(sorted(used.scalars)))


def _named_ref(named: GraphQLNamedType, used: _Used) -> Named:
    if isinstance(named, GraphQLEnumType):
        used.enums.setdefault(named.name, named)
        return Named("enum", named.name)
    if isinstance(named, GraphQLInputObjectType):
        used.inputs.setdefault(named.name, named)
        return Named("input", named.name)
    if isinstance(named, GraphQLScalarType):
        if named.name not in _BUILTIN_SCALARS:
            used.scalars.add(named.name)
        return Named("scalar", named.name)
    raise TypeError(f"{named.name} is not an input or leaf type")


def _input_ref(type_: GraphQLInputType, used: _Used) -> Ref:
    if isinstance(type_, GraphQLNonNull):
        return _strict_input_ref(type_.of_type, used)
    return Maybe(_strict_input_ref(type_, used))


def _strict_input_ref(type_: GraphQLInputType, used: _Used) -> Ref:
    if isinstance(type_, GraphQLList):
        return ListOf(_input_ref(type_.of_type, used))
    return _named_ref(type_, used)  # type: ignore[arg-type]


def _input_shapes(used: _Used) -> tuple[InputShape, ...]:
    """Every input object reachable from the variables, each after the inputs its fields use (but for
    recursive inputs, which the renderers declare by forward reference)."""
    done: dict[str, InputShape] = {}
    visiting: set[str] = set()

    def visit(input_type: GraphQLInputObjectType) -> None:
        if input_type.name in done or input_type.name in visiting:
            return
        visiting.add(input_type.name)
        fields = []
        for name, input_field in input_type.fields.items():
            ref = _input_ref(input_field.type, used)
            fields.append(
                InputValueShape(
                    name, ref, input_field.default_value is not Undefined, input_field.description
                )
            )
            nested = get_named_type(input_field.type)
            if isinstance(nested, GraphQLInputObjectType):
                visit(nested)
        one_of = bool(getattr(input_type, "is_one_of", False))
        done[input_type.name] = InputShape(input_type.name, tuple(fields), input_type.description, one_of)

    for input_type in list(used.inputs.values()):
        visit(input_type)
    return tuple(done.values())


@dataclass(frozen=True, slots=True)
class _Collected:
    """The field nodes one response key gathers, and whether any path to it is conditional."""

    nodes: tuple[tuple[FieldNode, GraphQLNamedType], ...]  # with the type it was selected on
    conditional: bool


class _Operation:
    def __init__(
        self,
        schema: GraphQLSchema,
        definition: OperationDefinitionNode,
        fragments: Sequence[FragmentDefinitionNode],
        used: _Used,
    ) -> None:
        self.schema = schema
        self.definition = definition
        self.fragments = {f.name.value: f for f in fragments}
        self.used = used
        self.shapes: list[Shape] = []
        self.names: set[str] = set()
        self.name = definition.name.value if definition.name else "Anonymous"

    def build(self) -> OperationShape:
        kind = self.definition.operation
        root = self.schema.get_root_type(kind)
        if root is None:
            raise ValueError(f"the schema has no {kind.value} type")
        variables = tuple(self._variable(v) for v in self.definition.variable_definitions or ())
        suffix = {OperationType.QUERY: "Query", OperationType.MUTATION: "Mutation"}.get(kind, "Subscription")
        result = self._object(
            self._unique(f"{pascal(self.name)}{suffix}"), root, [self.definition.selection_set]
        )
        document = ensure_typenames(self.schema, self.definition, list(self.fragments.values()))
        return OperationShape(self.name, kind.value, document, variables, result, tuple(self.shapes))

    def _variable(self, node: VariableDefinitionNode) -> InputValueShape:
        type_ = type_from_ast(self.schema, node.type)
        if not is_input_type(type_):
            raise ValueError(f"${node.variable.name.value}: {_type_text(node.type)} is not an input type")
        ref = _input_ref(type_, self.used)
        return InputValueShape(node.variable.name.value, ref, node.default_value is not None)

    def _unique(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.names:
            candidate, n = f"{name}{n}", n + 1
        self.names.add(candidate)
        return candidate

    # ---- collection

    def _applies(self, condition: str | None, concrete: GraphQLObjectType) -> bool:
        if condition is None or condition == concrete.name:
            return True
        type_ = self.schema.get_type(condition)
        return isinstance(type_, GraphQLInterfaceType | GraphQLUnionType) and self.schema.is_sub_type(
            type_, concrete
        )

    def _collect(
        self,
        selection_sets: Iterable[SelectionSetNode],
        parent: GraphQLNamedType,
        concrete: GraphQLObjectType,
    ) -> dict[str, _Collected]:
        out: dict[str, _Collected] = {}

        def walk(
            selections: Sequence[SelectionNode], on: GraphQLNamedType, conditional: bool, seen: frozenset[str]
        ) -> None:
            for selection in selections:
                cond = conditional or _is_conditional(selection)
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    before = out.get(key)
                    nodes = (before.nodes if before else ()) + ((selection, on),)
                    # present when any unconditional path selects it
                    out[key] = _Collected(nodes, cond if before is None else before.conditional and cond)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition.name.value if selection.type_condition else None
                    if self._applies(condition, concrete):
                        target = self.schema.get_type(condition) if condition else on
                        walk(selection.selection_set.selections, target or on, cond, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in seen:
                        continue
                    condition = fragment.type_condition.name.value
                    if self._applies(condition, concrete):
                        target = self.schema.get_type(condition) or on
                        walk(fragment.selection_set.selections, target, cond, seen | {name})

        for selection_set in selection_sets:
            walk(selection_set.selections, parent, False, frozenset())
        return out

    def _conditions(self, selection_sets: Iterable[SelectionSetNode]) -> set[str]:
        """The type conditions of the fragments directly in these selection sets (through spreads)."""
        found: set[str] = set()

        def walk(selections: Sequence[SelectionNode], seen: frozenset[str]) -> None:
            for selection in selections:
                if isinstance(selection, InlineFragmentNode):
                    if selection.type_condition:
                        found.add(selection.type_condition.name.value)
                    walk(selection.selection_set.selections, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is not None and fragment.name.value not in seen:
                        found.add(fragment.type_condition.name.value)
                        walk(fragment.selection_set.selections, seen | {fragment.name.value})

        for selection_set in selection_sets:
            walk(selection_set.selections, frozenset())
        return found

    # ---- shapes

    def _selection(self, name: str, type_: GraphQLNamedType, selection_sets: list[SelectionSetNode]) -> Named:
        if isinstance(type_, GraphQLObjectType):
            return Named("object", self._object(name, type_, selection_sets).name)
        assert is_abstract_type(type_)
        abstract = type_
        possible = sorted(self.schema.get_possible_types(abstract), key=lambda t: t.name)
        narrowing = {c for c in self._conditions(selection_sets) if c != abstract.name}
        if not narrowing or not possible:
            return Named("object", self._object(name, abstract, selection_sets, possible).name)
        groups: dict[tuple[tuple[str, tuple[int, ...]], ...], list[GraphQLObjectType]] = {}
        for concrete in possible:
            collected = self._collect(selection_sets, abstract, concrete)
            signature = tuple((key, tuple(id(n) for n, _ in c.nodes)) for key, c in collected.items())
            groups.setdefault(signature, []).append(concrete)
        variants = []
        for members in groups.values():
            label = self._group_label(abstract, members, narrowing)
            variant_name = self._unique(f"{name}{label}")
            variants.append(self._object(variant_name, abstract, selection_sets, members, discriminated=True))
        union = UnionShape(name, tuple(variants))
        self.shapes.append(union)
        return Named("object", union.name)

    def _group_label(
        self, abstract: GraphQLAbstractType, members: list[GraphQLObjectType], conditions: set[str]
    ) -> str:
        if len(members) == 1:
            return members[0].name
        names = {m.name for m in members}
        for condition in sorted(conditions):
            type_ = self.schema.get_type(condition)
            if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
                covered = {t.name for t in self.schema.get_possible_types(type_)} & {
                    t.name for t in self.schema.get_possible_types(abstract)
                }
                if covered == names:
                    return condition
        return "Other"

    def _object(
        self,
        name: str,
        parent: GraphQLObjectType | GraphQLAbstractType,
        selection_sets: list[SelectionSetNode],
        members: Sequence[GraphQLObjectType] | None = None,
        *,
        discriminated: bool = False,
    ) -> ObjectShape:
        if name not in self.names:
            self.names.add(name)
        concretes = [parent] if isinstance(parent, GraphQLObjectType) else list(members or ())
        # the fields every member receives are the same for a group: collect for its first member
        representative = concretes[0] if concretes else None
        collected = (
            self._collect(selection_sets, parent, representative)
            if representative is not None
            else self._collect_plain(selection_sets, parent)
        )
        typenames = tuple(t.name for t in concretes)
        fields: list[FieldShape] = []
        if discriminated and "__typename" not in collected:
            fields.append(FieldShape("__typename", Typename(typenames)))
        for key, gathered in collected.items():
            first, selected_on = gathered.nodes[0]
            field_name = first.name.value
            if field_name == "__typename":
                fields.append(FieldShape(key, Typename(typenames), gathered.conditional))
                continue
            definition = self._field_definition(field_name, concretes, selected_on)
            sub_sets = [n.selection_set for n, _ in gathered.nodes if n.selection_set is not None]
            ref = self._output_ref(definition.type, f"{name}{pascal(key)}", sub_sets)
            fields.append(FieldShape(key, ref, gathered.conditional, definition.description))
        shape = ObjectShape(name, typenames, tuple(fields), discriminated)
        self.shapes.append(shape)  # after the shapes of its fields: dependencies first
        return shape

    def _collect_plain(
        self, selection_sets: list[SelectionSetNode], parent: GraphQLNamedType
    ) -> dict[str, _Collected]:
        """Fields of an abstract type with no possible types: only those selected on it directly."""
        out: dict[str, _Collected] = {}
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    before = out.get(key)
                    out[key] = _Collected((before.nodes if before else ()) + ((selection, parent),), False)
        return out

    def _field_definition(
        self, name: str, concretes: Sequence[GraphQLObjectType], selected_on: GraphQLNamedType
    ) -> GraphQLField:
        """The most exact definition: the concrete type's when there is one, else where it was selected."""
        if name in _META_FIELDS and selected_on is self.schema.query_type:
            return _META_FIELDS[name]
        candidates: list[GraphQLObjectType | GraphQLInterfaceType] = []
        if len(concretes) == 1:
            candidates.append(concretes[0])
        if isinstance(selected_on, GraphQLObjectType | GraphQLInterfaceType):
            candidates.append(selected_on)
        candidates.extend(concretes)
        for candidate in candidates:
            found: GraphQLField | None = candidate.fields.get(name)
            if found is not None:
                return found
        raise ValueError(f"{selected_on.name} has no field {name!r}")

    def _output_ref(self, type_: GraphQLOutputType, name: str, sub_sets: list[SelectionSetNode]) -> Ref:
        if isinstance(type_, GraphQLNonNull):
            return self._strict_output_ref(type_.of_type, name, sub_sets)
        return Maybe(self._strict_output_ref(type_, name, sub_sets))

    def _strict_output_ref(
        self, type_: GraphQLOutputType, name: str, sub_sets: list[SelectionSetNode]
    ) -> Ref:
        if isinstance(type_, GraphQLList):
            return ListOf(self._output_ref(type_.of_type, name, sub_sets))
        if isinstance(type_, GraphQLEnumType | GraphQLScalarType):
            return _named_ref(type_, self.used)
        return self._selection(self._unique(name), type_, sub_sets)  # type: ignore[arg-type]


def _is_conditional(selection: SelectionNode) -> bool:
    return any(d.name.value in ("include", "skip") for d in selection.directives or ())


def _type_text(node: TypeNode) -> str:
    if isinstance(node, NonNullTypeNode):
        return _type_text(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return f"[{_type_text(node.type)}]"
    return node.name.value  # type: ignore[attr-defined,no-any-return]


# ------------------------------------------------------------------------------------------- __typename


def ensure_typenames(
    schema: GraphQLSchema, definition: OperationDefinitionNode, fragments: Sequence[FragmentDefinitionNode]
) -> str:
    """The operation's text with ``__typename`` added to every selection set on an interface or union
    that holds a type condition (and does not select ``__typename`` already), so a response tells its
    union variant; the fragments follow the operation."""
    from graphql import TypeInfo, TypeInfoVisitor, Visitor, print_ast, visit

    typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())

    class _Add(Visitor):
        def __init__(self, info: TypeInfo) -> None:
            super().__init__()
            self.info = info

        def enter_selection_set(self, node: SelectionSetNode, *_: object) -> SelectionSetNode | None:
            parent = self.info.get_parent_type()
            if not is_abstract_type(parent):
                return None
            has_condition = any(
                isinstance(s, InlineFragmentNode | FragmentSpreadNode) for s in node.selections
            )
            has_typename = any(
                isinstance(s, FieldNode) and s.name.value == "__typename" and s.alias is None
                for s in node.selections
            )
            if not has_condition or has_typename:
                return None
            return SelectionSetNode(selections=(typename, *node.selections))

    document = DocumentNode(definitions=(definition, *fragments))
    info = TypeInfo(schema)
    edited = visit(document, TypeInfoVisitor(info, _Add(info)))
    return print_ast(edited)
