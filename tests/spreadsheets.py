"""Write small workbooks for tests: .xlsx through openpyxl (pandas), .ods by hand (a zip of three XML files).

pandas writes .ods only through odfpy, which nhgeo does not need; an OpenDocument spreadsheet is a zip with a
``mimetype`` entry, a manifest and ``content.xml``, so the few lines below write one the readers accept.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

Rows = list[list[object]]

_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
             '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
             '<manifest:file-entry manifest:full-path="/" manifest:media-type='
             '"application/vnd.oasis.opendocument.spreadsheet"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
             '</manifest:manifest>')


def _cell(v: object) -> str:
    if v is None or v == "":
        return "<table:table-cell/>"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'


def ods_bytes(sheets: dict[str, Rows]) -> bytes:
    """An OpenDocument spreadsheet of ``sheets`` (name -> rows of cells)."""
    def table(name: str, rows: Rows) -> str:
        cells = "".join("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>" for row in rows)
        return f'<table:table table:name="{escape(name)}">{cells}</table:table>'

    body = "".join(table(name, rows) for name, rows in sheets.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def xlsx_bytes(sheets: dict[str, Rows]) -> bytes:
    """An Excel workbook of ``sheets`` (name -> rows of cells), through openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """``sheets`` as ``path`` (.xlsx or .ods by its suffix)."""
    path.write_bytes(ods_bytes(sheets) if path.suffix.lower() == ".ods" else xlsx_bytes(sheets))
    return path
