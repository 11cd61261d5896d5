"""Write raw frames as CSV (chosen encoding, CRLF like Excel) or `.xlsx`, byte-identically.

Zip entries carry a fixed time, so the same seed gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
TRAILING_BLANK_ROWS = 3
ACRONYMS = {"id": "ID", "fte": "FTE"}


def header(column: str, style: str, position: int) -> str:
    """One header spelling: `Staff ID`, ` staff_id`, `STAFF_ID`, `staff id` or canonical."""
    if style == "title":
        return " ".join(ACRONYMS.get(w, w.capitalize()) for w in column.split("_"))
    if style == "padded":
        return f" {column}" if position % 2 == 0 else f"{column} "
    if style == "upper":
        return column.upper()
    if style == "spaces":
        return column.replace("_", " ")
    return column


def write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    """CSV with CRLF line ends and blank trailing rows, as Excel leaves them."""
    text = frame.to_csv(index=False, lineterminator="\r\n")
    text += ("," * (frame.shape[1] - 1) + "\r\n") * TRAILING_BLANK_ROWS
    path.write_bytes(text.encode(encoding))


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_MIME}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_MIME}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_MIME}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="{_SML}" xmlns:r="{_DOC}">'
    '<sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 1 is a day-first date format, so date cells open as dates in Excel and in readers.
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_SML}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_xml(ref: str, value: object) -> str:
    """One cell: date (serial with a date style), number, or inline string; blank -> ''."""
    if value is None or (isinstance(value, str) and value == ""):
        return ""
    if isinstance(value, datetime.datetime):
        serial = (value - EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="1"><v>{serial:g}</v></c>'
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(frame: pd.DataFrame) -> str:
    letters = [_column_letter(i) for i in range(frame.shape[1])]
    rows = [list(frame.columns), *frame.itertuples(index=False, name=None)]
    parts = [
        f'{_XML}<worksheet xmlns="{_SML}"><sheetData>'
    ]
    for number, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{c}{number}", v) for c, v in zip(letters, row, strict=True))
        parts.append(f'<row r="{number}">{cells}</row>')
    for extra in range(TRAILING_BLANK_ROWS):  # cleared rows left at the end of an export
        ref = f"A{len(rows) + extra + 1}"
        parts.append(f'<row r="{ref[1:]}"><c r="{ref}" t="inlineStr"><is><t></t></is></c></row>')
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """A minimal one-sheet workbook: strings, numbers and date cells kept as their own types.

    Written directly (not with openpyxl) because it is many times faster for large demo
    sets and has no save-time stamps, so the same seed gives the same bytes.
    """
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/styles.xml": _STYLES, "xl/worksheets/sheet1.xml": _sheet_xml(frame),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))
    path.write_bytes(buffer.getvalue())
