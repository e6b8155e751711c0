"""Real local servers for tests: :mod:`tests.servers.faulty` (a GraphQL server that misbehaves on demand)
and :mod:`tests.servers.demo` (any ASGI app on uvicorn, and the bundled demo API)."""
