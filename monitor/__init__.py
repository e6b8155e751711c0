"""gqlmon: a GraphQL contract-testing and schema-drift monitor.

Introspect the GraphQL APIs you depend on, diff every new schema against the last one, validate your
saved operations against it, publish reports, alert on breaking changes, and serve it all over MCP.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
