"""The web layer: core pages, request dependencies and error handling."""
