"""The plugin system: hookspecs, discovery and selection, and calling helpers."""
