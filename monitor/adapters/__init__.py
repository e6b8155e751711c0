"""The IO edges, each small and replaceable: introspection over HTTP, auth, operation files and source code,
schema sources, the state store, publishing, Slack.

Adapters import :mod:`monitor.core`, :mod:`monitor.settings` and :mod:`monitor.support` only; the check flow
(:mod:`monitor.runtime`) and the entry points (:mod:`monitor.cli`, :mod:`monitor.mcp`) import them.
"""
