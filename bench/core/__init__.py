"""Core benchmark against Home Assistant: the same scenarios, run on both sides.

Modules here import only the standard library at top level, so the Home Assistant side
(bench/ha/ha_bench.py, run in its own virtualenv) can share `spec` and `stats`.
"""
