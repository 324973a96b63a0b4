"""``nhgeo edit``: change a footprint in a local browser page, rules checked live, nothing lost.

* :mod:`.session` — :class:`EditSession`: the footprint open for change (moves, undo/redo, locks, add/rename/remove,
  save, restore); a Python user can drive an edit with it directly;
* :mod:`.live` — the registry's neighbourhood rules recomputed for the changed neighbourhoods only;
* :mod:`.journal` — every accepted change on disk (fsync'd) before it is acknowledged;
* :mod:`.mapdata` — the simplified outlines the page draws and the search index;
* :mod:`.server` — the Starlette app (token, Host/Origin checks, CSP) and the page in ``static/``.

See docs/edit.md.
"""

from __future__ import annotations

from .session import EditSession, Refused

__all__ = ["EditSession", "Refused"]
