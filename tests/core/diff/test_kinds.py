"""The change identifiers each element reads from ChangeType by name, written out once here."""

from __future__ import annotations

import pytest

from monitor.core.changes import ChangeType as C
from monitor.core.diff._context import DeprecationKinds, DescriptionKinds, DocumentationKinds
from monitor.core.diff.arguments import DIRECTIVE_ARGUMENTS, FIELD_ARGUMENTS, ArgumentKinds


def test_an_element_with_every_identifier_gets_each_one() -> None:
    assert DocumentationKinds.of("FIELD") == DocumentationKinds(
        DescriptionKinds(C.FIELD_DESCRIPTION_ADDED, C.FIELD_DESCRIPTION_CHANGED, C.FIELD_DESCRIPTION_REMOVED),
        DeprecationKinds(
            C.FIELD_DEPRECATION_ADDED,
            C.FIELD_DEPRECATION_REMOVED,
            C.FIELD_DEPRECATION_REASON_CHANGED,
            C.FIELD_DEPRECATION_REASON_ADDED,
            C.FIELD_DEPRECATION_REASON_REMOVED,
        ),
    )


def test_missing_identifiers_fall_back_to_the_changed_one_or_to_none() -> None:
    assert DescriptionKinds.of("ENUM_VALUE") == DescriptionKinds(*[C.ENUM_VALUE_DESCRIPTION_CHANGED] * 3)
    assert DeprecationKinds.of("INPUT_FIELD") == DeprecationKinds(
        C.INPUT_FIELD_DEPRECATION_ADDED,
        C.INPUT_FIELD_DEPRECATION_REMOVED,
        C.INPUT_FIELD_DEPRECATION_REASON_CHANGED,
    )
    assert DeprecationKinds.of("DIRECTIVE_ARGUMENT") is None


def test_argument_kinds_of_fields_and_directives() -> None:
    expected = ArgumentKinds(
        C.FIELD_ARGUMENT_ADDED,
        C.FIELD_ARGUMENT_REMOVED,
        C.FIELD_ARGUMENT_TYPE_CHANGED,
        C.FIELD_ARGUMENT_DEFAULT_CHANGED,
        DocumentationKinds(
            DescriptionKinds(*[C.FIELD_ARGUMENT_DESCRIPTION_CHANGED] * 3),
            DeprecationKinds(
                C.FIELD_ARGUMENT_DEPRECATION_ADDED,
                C.FIELD_ARGUMENT_DEPRECATION_REMOVED,
                C.FIELD_ARGUMENT_DEPRECATION_REASON_CHANGED,
            ),
        ),
    )
    assert expected == FIELD_ARGUMENTS
    assert DIRECTIVE_ARGUMENTS.default_changed is C.DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED
    assert DIRECTIVE_ARGUMENTS.documentation.deprecation is None


def test_an_unknown_element_fails_at_import_not_at_diff_time() -> None:
    with pytest.raises(KeyError, match="FEILD_DESCRIPTION_CHANGED"):
        DocumentationKinds.of("FEILD")
