"""Cross-cutting helpers with no knowledge of GraphQL: secret redaction, logging set-up, atomic file
writes, listening sockets bound before a server starts.

Support imports nothing of gqlmon but :mod:`monitor.errors`; every layer above core may import it.
"""
