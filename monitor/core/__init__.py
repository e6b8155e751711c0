"""The pure core of gqlmon: schema, diff, rules, contracts, reports, alerts, search. No IO, no awaits, no
network or database imports; deterministic.

Core imports nothing of gqlmon outside itself but the exception tree (:mod:`monitor.errors`); every other
package may import it.
"""
