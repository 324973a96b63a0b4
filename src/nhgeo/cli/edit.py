"""``nhgeo edit``: serve a footprint in a local browser editor until Ctrl-C (exit 130; unsaved edits journalled)."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from .app import console, err
from .footprint_options import Reading, footprint_options
from .options import FootprintPlaceOpt, ForceOpt, Source, command

FootprintArg = Annotated[Path, typer.Argument(
    help="Footprint to edit: any form validate reads (TOML, CSV/GeoPackage table, polygons). Saved as TOML: over it "
    "when it is TOML, else to --out.")]


@command(source=True)
@footprint_options
def edit(
    footprint: FootprintArg,
    place: FootprintPlaceOpt = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to serve on (default: a free one).")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address; do not open a browser.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Save to this TOML file (needed when FOOTPRINT is not "
                                             "TOML).")] = None,
    force: ForceOpt = False,
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but 127.0.0.1 also needs "
                                      "--allow-remote.")] = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Let --host be an address other machines can "
                                               "reach (anyone holding the token can then edit).")] = False,
    core_offer: Annotated[bool, typer.Option("--core-offer/--no-core-offer", help="Check core-offer coverage "
                                             "(embedded service data) in the full check.")] = False,
    source: Source = None,
    reading: Reading = None,
) -> None:
    """Edit a footprint in your browser: paint LSOAs into neighbourhoods, rules checked live, every change journalled.
    Ctrl-C stops it (exit 130); the next edit of the same file offers to restore unsaved changes."""
    from ..edit.server import listen, serve
    from ..edit.session import EditSession
    from ..errors import InputError
    from ..sources.services import open_services

    if host != "127.0.0.1" and not allow_remote:
        raise InputError(f"--host {host} would let other machines reach the editor; add --allow-remote if you mean "
                         "it, or leave --host out to stay on 127.0.0.1")
    svc = open_services(None) if core_offer else None
    session = EditSession.open(footprint, place=place, out=out, force=force, services=svc, **(reading or {}),
                               **(source or {}))
    try:
        listener = listen(session, host, port)
    except BaseException:
        session.close()  # nothing changed: no journal left behind
        raise
    if host != "127.0.0.1":
        err.print(f"[bold yellow]warning:[/] serving on {host}: anyone who can reach it and holds the token can "
                  "change and save this footprint")
    console.print(f"nhgeo edit: {footprint} ({len(session.hood_ids())} neighbourhoods) -> saves to "
                  f"{session.target.path}")
    console.print(f"open {listener.url}", soft_wrap=True, highlight=False)
    if session.pending:
        console.print(f"{len(session.pending)} unsaved change(s) from an earlier session can be restored in the page")
    console.print("Ctrl-C stops the editor (unsaved changes stay journalled)")
    if not no_browser:
        webbrowser.open(listener.url)
    try:
        serve(listener)
    finally:
        left = session.close()
        if left:
            err.print(f"unsaved changes are journalled in {left}: run nhgeo edit {footprint} again to restore them")
    raise KeyboardInterrupt  # the server stops only on Ctrl-C / SIGTERM
