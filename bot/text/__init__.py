"""Neutral text helpers that every layer may use: folding text and matching role names.

This package imports nothing from the rest of ``bot``; the layering contract in
``pyproject.toml`` ([tool.importlinter]) keeps it that way.
"""
