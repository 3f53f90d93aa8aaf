"""A set of hostile spreadsheets, each small to send and each built to stop, freeze or exhaust
a reader: every one must be refused in words while the service stays up. Built here, from
their XML, so that each trick is readable (no binary blob in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

NIK = "6311064507900001"

_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_TYPES = (
    f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
    f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SML}.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_DOC}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{rows}</sheetData></worksheet>"
)
_HEADER_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>KPJ</t></is></c></row>'
    f'<row r="2"><c r="A2" t="inlineStr"><is><t>{NIK}</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>25000000001</t></is></c></row>'
)
_NO_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
    'uniqueCount="0"/>'
)


def workbook(rows: str = _HEADER_ROWS, strings: str = _NO_STRINGS) -> bytes:
    """A one-sheet XLSX with the sheet's rows and the shared strings as given (XML text)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", _SHEET.format(rows=rows))
        z.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def _far_cell(reference: str) -> bytes:
    """One cell at the sheet's far corner, its reference spelled as given (calamine reads the
    sheet into a dense grid: 17 billion cells)."""
    far = f'<row r="3"><c {reference} t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(_HEADER_ROWS + far)


def _lying_zip() -> bytes:
    """A worksheet that declares 2 KB and CRC of its first 2 KB, and inflates to 400 MB."""
    size = 400 * 1024 * 1024
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = (_SHEET.format(rows=_HEADER_ROWS)[: -len("</sheetData></worksheet>")]).encode()
    head = head + b" " * (2048 - len(head))
    chunk = b" " * (8 * 1024 * 1024)
    stream = [squeeze.compress(head)]
    for _ in range(size // len(chunk)):
        stream.append(squeeze.compress(chunk))
    stream.append(squeeze.compress(b"</sheetData></worksheet>") + squeeze.flush())
    members = {
        "[Content_Types].xml": _TYPES.encode(),
        "_rels/.rels": _RELS.encode(),
        "xl/workbook.xml": _WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode(),
        "xl/sharedStrings.xml": _NO_STRINGS.encode(),
    }
    parts = [(n, zlib.compress(b, 9)[2:-4], len(b), zlib.crc32(b)) for n, b in members.items()]
    parts.append(("xl/worksheets/sheet1.xml", b"".join(stream), len(head), zlib.crc32(head)))
    return _zip(parts)


def _zip(parts: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of deflated members (name, deflate stream, declared size, declared CRC), its
    headers written by hand so that they can say what the stream is not."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, stream, declared, crc in parts:
        offset = out.tell()
        encoded = name.encode()
        sizes = (crc, len(stream), declared, len(encoded), 0)
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes))
        out.write(encoded + stream)
        directory.write(
            struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, 0, 0, 0, 0, offset
            )
        )
        directory.write(encoded)
    start, length = out.tell(), directory.tell()
    out.write(directory.getvalue())
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), length, start, 0)
    )
    return out.getvalue()


def _shared_strings_bomb() -> bytes:
    """One shared string of 1 MB, and 20,000 cells that each show it: 20 GB once every cell
    holds its own copy."""
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        f'uniqueCount="1"><si><t>{"x" * (1024 * 1024)}</t></si></sst>'
    )
    cells = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(3, 20003))
    return workbook(_HEADER_ROWS + cells, strings)


# name -> how to build it. Each is a file an officer could upload as `name`.
HOSTILE: dict[str, Callable[[], bytes]] = {
    "sel-jauh-kutip-tunggal.xlsx": lambda: _far_cell("r='XFD1048576'"),
    "sel-jauh-huruf-kecil.xlsx": lambda: _far_cell('r="xfd1048576"'),
    "sel-jauh-spasi.xlsx": lambda: _far_cell('r = "XFD1048576"'),
    "sel-jauh-nol-di-depan.xlsx": lambda: _far_cell('r="XFD0001048576"'),
    "sel-jauh-baris-tanpa-sel.xlsx": lambda: workbook(
        _HEADER_ROWS + '<row r="1048576">' + "<c><v>1</v></c>" * 20 + "</row>"
    ),
    "xml-kuadratik.xlsx": lambda: workbook(strings="<c " * 600_000),
    "xml-kuadratik-baris.xlsx": lambda: workbook(
        _HEADER_ROWS + '<row r="3">' + "<c " * 600_000 + "</row>"
    ),
    "zip-berbohong.xlsx": _lying_zip,
    "bom-teks-bersama.xlsx": _shared_strings_bomb,
    "csv-pengendus.csv": lambda: b"NIK,KPJ\n" + b'-"x' * 3_000_000,
    "csv-kutip-terbuka.csv": lambda: b'NIK;KPJ\n"' + b"a" * 9_000_000,
}
