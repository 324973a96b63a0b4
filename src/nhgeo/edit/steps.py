"""Steps: what one undoable change is (plain JSON, so the journal can hold it), and the refusals a change meets."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A request the session will not carry out; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 400, code: str = "bad-request") -> None:
        super().__init__(message)
        self.status, self.code = status, code


def clean_name(name: Any) -> str:
    """A neighbourhood name as given, whitespace collapsed; refused when empty or over 120 characters."""
    if not isinstance(name, str) or not name.strip():
        raise Refused("a neighbourhood needs a name (non-empty text)")
    clean = " ".join(name.split())
    if len(clean) > 120:
        raise Refused("a neighbourhood name is at most 120 characters")
    return clean


def hoods_of(step: dict[str, Any]) -> set[str]:
    """The neighbourhoods a step changes (what a lock must be checked against)."""
    if step["kind"] == "move":
        return {x for ch in step["changes"] for x in ch[1:]} - {""}
    return {step["id"]}


def describe(step: dict[str, Any]) -> str:
    """A step in words, for the page's status line."""
    k = step["kind"]
    if k == "move":
        return f"{len(step['changes'])} LSOA(s) to {step['changes'][0][2]}"
    if k == "add":
        return f"added {step['id']} ({step['name']})"
    if k == "remove":
        return f"removed {step['id']} ({len(step.get('codes', []))} LSOAs unassigned)"
    return f"renamed {step['id']} to {step['new']}"
