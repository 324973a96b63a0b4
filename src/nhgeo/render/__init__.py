"""Renderers: one module per output format, one dispatch shared by every command."""
