"""gqlmon's schema diff engine: pure functions from two schemas to a sorted list of changes.

One module per schema element (:mod:`.types`, :mod:`.fields`, :mod:`.arguments`, :mod:`.inputs`,
:mod:`.enums`, :mod:`.unions`, :mod:`.interfaces`, :mod:`.scalars`, :mod:`.directives`, :mod:`.schema`,
:mod:`.usages`), each documenting its criticality choices; :mod:`._compare` does the set arithmetic and
:mod:`.compat` answers the type-compatibility questions. Policy that depends on configuration lives in
:mod:`monitor.core.rules`.
"""

from monitor.core.diff.compat import is_safe_input_change, is_safe_output_change, named_type_changed
from monitor.core.diff.dispatch import diff_schemas

__all__ = ["diff_schemas", "is_safe_input_change", "is_safe_output_change", "named_type_changed"]
