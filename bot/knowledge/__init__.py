"""The knowledge base: human-edited files in ``knowledge/``, validated and built into SQLite.

Layers, from the files up:
- ``models``: frozen data classes the core reads (no I/O).
- ``files``: reads and validates the YAML files into models, naming file and field on error.
- ``build``: writes the SQLite database atomically with sqlite-utils.
- ``store``: loads the database into models and caches them until the data changes.
"""
