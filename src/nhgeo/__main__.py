"""``python -m nhgeo``: the same as the ``nhgeo`` command."""

from .cli import app

app(prog_name="nhgeo")
