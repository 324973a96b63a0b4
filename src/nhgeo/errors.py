"""A tiny error hierarchy: anything the user can fix is an :class:`InputError`."""

from __future__ import annotations


class NhgeoError(Exception):
    """Base class for nhgeo errors."""


class InputError(NhgeoError, ValueError):
    """Bad input (file, column, code, CRS, band, place...). The CLI prints it on one line, exit 2."""
