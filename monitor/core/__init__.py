"""The pure core of gqlmon: no IO, no awaits, no network or database imports; deterministic."""
