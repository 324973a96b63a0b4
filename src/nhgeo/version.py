"""The package version, in one place (imported by the package and by everything that stamps outputs)."""

__version__ = "0.1.0"
