"""``gqlmon``'s command line: :mod:`~monitor.cli.app` declares the typer app and its flags, and each command's
work lives in a module of its own (``check``, ``diff``, ``history``, ``validate``, ``codegen``, ``live``, ``ack``).

The top of the stack: it may import every other package; nothing imports it but ``monitor.__main__``.
Heavy imports stay inside the commands that use them, so ``gqlmon diff`` starts fast.
"""
