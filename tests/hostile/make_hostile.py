#!/usr/bin/env python3
"""Writes the hostile-file suite: spreadsheets that are too wide, too deep, lie about their size,
inflate to gigabytes, are truncated, bit-flipped, encrypted, of the wrong or an ancient format,
or valid but unusual. Each must be imported or refused with a clear Chinese message, quickly,
in little memory, without a crash. tests/hostile/run_hostile.py runs them.

usage: python3 tests/hostile/make_hostile.py OUTDIR [--force]

Standard library only; deterministic (fixed seeds): the same files on every run. OUTDIR's
contents are removed first. To guard against `make_hostile.py .` wiping a working tree, a
non-empty OUTDIR is only emptied when it holds the marker file a previous run left there
(`.hostile-outdir`), or with --force. Big files are streamed (nothing large is built in
memory); the whole suite is about 100 MB on disk and is written in about 25 s.

OUTDIR/cases.json lists every case:
  {"file", "class", "expect": "rejected"|"imported"|"either", "words": [...], "note"}
and, for some cases, "sheet" and "cell" (an error must name this cell) or "values" (an imported
file must bring exactly this many values).
"""
import json
import os
import random
import shutil
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
MARKER = ".hostile-outdir"

# What a county statistician should read in the first error's message_zh (any one of them).
W_DAMAGED = ["损坏", "不完整"]
W_ENCRYPTED = ["密码", "加密"]
W_OLD = ["版本", "另存为"]
W_XLSB = ["xlsb", "另存为"]
W_NOT_SHEET = ["不是", "电子表格"]
W_LARGE = ["过大", "超过", "太多", "远超", "超出"]
W_CELL = ["单元格"]
W_DIR = ["文件夹", "目录"]
# A sheet within Excel's limits that holds no table is refused for that: its size cost nothing.
W_NOTABLE = ["找不到", "没有可识别"]

# The small return every "valid" case carries.
TITLE = "淄博市养老服务人才统计表（2025年第二季度）"
HEADER = ["地区", "养老护理员数（人）", "持证养老护理员数（人）"]
ROWS = [("张店区", 120, 80), ("淄川区", 95, 60), ("博山区", 70, 41)]
SHEET = "二季度"
RETURN_VALUES = 6  # 3 regions x 2 metrics

# The real fixtures the truncated and bit-flipped cases start from, by short name.
SOURCES = {
    "xlsx": "openpyxl_merged_group_header_2025Q2.xlsx",
    "ods": "libreoffice_merged_group_header_2025Q2.ods",
    "xls": "libreoffice_merged_group_header_2025Q2.xls",
    "csv": "excel_gbk_crlf_2025Q1.csv",
}

MIB = 1 << 20


class Suite:
    def __init__(self, outdir):
        self.dir = outdir
        self.cases = []

    def path(self, name):
        return self.dir / name

    def add(self, name, cls, expect, words, note, **extra):
        assert expect in ("rejected", "imported", "either"), expect
        assert all(c["file"] != name for c in self.cases), name
        case = {"file": name, "class": cls, "expect": expect, "words": list(words), "note": note}
        case.update(extra)
        self.cases.append(case)

    def write(self, name, data):
        self.path(name).write_bytes(data)


# ---------------------------------------------------------------------------------------------
# OOXML


def col_name(c):
    """0-based column index to letters: 0 -> A, 16383 -> XFD."""
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def c_str(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{esc(text)}</t></is></c>'


def c_num(ref, v):
    return f'<c r="{ref}"><v>{v}</v></c>'


def row_xml(r, cells):
    return f'<row r="{r}">{"".join(cells)}</row>'


NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def sheet_head(dimension):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'{XML_DECL}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">{dim}<sheetData>'


def sheet_tail(merges=()):
    m = ""
    if merges:
        m = f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{x}"/>' for x in merges) + "</mergeCells>"
    return f"</sheetData>{m}</worksheet>"


def return_rows(first_row=1, bad=None, extra_cols=0, extra_label="备注"):
    """The return as <row> XML strings: title, header, three regions. `bad` maps a cell
    reference to its raw <c> XML (for the bad-cell cases)."""
    bad = bad or {}
    r = first_row
    out = [row_xml(r, [c_str(f"A{r}", TITLE)])]
    r += 1
    cells = [c_str(f"{col_name(i)}{r}", h) for i, h in enumerate(HEADER)]
    cells += [c_str(f"{col_name(3 + i)}{r}", f"{extra_label}{i + 1}") for i in range(extra_cols)]
    out.append(row_xml(r, cells))
    for name, a, b in ROWS:
        r += 1
        cells = []
        for i, v in enumerate((name, a, b)):
            ref = f"{col_name(i)}{r}"
            if ref in bad:
                cells.append(bad[ref])
            elif isinstance(v, str):
                cells.append(c_str(ref, v))
            else:
                cells.append(c_num(ref, v))
        out.append(row_xml(r, cells))
    return out


def content_types(shared=False, sep="/"):
    ss = (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        if shared
        else ""
    )
    return (
        f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        f"{ss}</Types>"
    )


ROOT_RELS = (
    f'{XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def workbook_xml(sheet=SHEET):
    return (
        f'{XML_DECL}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
        f'<sheets><sheet name="{esc(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def workbook_rels(shared=False):
    ss = (
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        if shared
        else ""
    )
    return (
        f'{XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet1.xml"/>{ss}</Relationships>'
    )


def write_part(zf, name, data, level=6):
    """Writes one zip part: `data` is str, bytes, or an iterable of str/bytes chunks (streamed)."""
    info = zipfile.ZipInfo(name, date_time=(2025, 7, 1, 9, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = level  # honoured by ZipFile.open(info, "w") on Python 3.7+
    if isinstance(data, (str, bytes)):
        zf.writestr(info, data.encode() if isinstance(data, str) else data, compresslevel=level)
        return
    with zf.open(info, "w") as f:
        for chunk in data:
            f.write(chunk.encode() if isinstance(chunk, str) else chunk)


def write_xlsx(path, sheet, shared=None, sep="/", before=(), level=6, sheet_name=SHEET):
    """A minimal workbook: [Content_Types].xml, _rels/.rels, xl/workbook.xml,
    xl/_rels/workbook.xml.rels, xl/worksheets/sheet1.xml (and xl/sharedStrings.xml).
    `sep` replaces "/" in the part names (not in the rels targets); `before` is an iterable of
    (name, bytes) parts written first."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in before:
            write_part(zf, name, data, level)
        n = lambda s: s.replace("/", sep)  # noqa: E731
        write_part(zf, "[Content_Types].xml", content_types(shared is not None))
        write_part(zf, n("_rels/.rels"), ROOT_RELS)
        write_part(zf, n("xl/workbook.xml"), workbook_xml(sheet_name))
        write_part(zf, n("xl/_rels/workbook.xml.rels"), workbook_rels(shared is not None))
        write_part(zf, n("xl/worksheets/sheet1.xml"), sheet, level)
        if shared is not None:
            write_part(zf, n("xl/sharedStrings.xml"), shared, level)


def simple_sheet(rows, dimension=None, merges=()):
    return sheet_head(dimension) + "".join(rows) + sheet_tail(merges)


def chunked(make_rows, total, per_chunk=20_000):
    """Yields "".join of make_rows(start, stop) for consecutive ranges covering 1..total."""
    start = 1
    while start <= total:
        stop = min(total + 1, start + per_chunk)
        yield "".join(make_rows(start, stop))
        start = stop


def repeat_to(unit, target_bytes, chunk_units=None):
    """Yields `unit` repeated until about target_bytes in total (in ~1 MiB chunks)."""
    unit = unit.encode() if isinstance(unit, str) else unit
    k = chunk_units or max(1, MIB // len(unit))
    chunk = unit * k
    written = 0
    while written + len(chunk) <= target_bytes:
        yield chunk
        written += len(chunk)
    rest = (target_bytes - written) // len(unit)
    if rest:
        yield unit * rest


def patch_zip_declared_size(path, part, new_size):
    """Overwrites the uncompressed size of `part` in its local header and in the central
    directory (the CRC and the data are left alone)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    with open(path, "r+b") as f:
        f.seek(info.header_offset)
        lh = f.read(30)
        assert lh[:4] == b"PK\x03\x04"
        f.seek(info.header_offset + 22)
        f.write(struct.pack("<I", new_size))
        # The central directory: found from the end-of-central-directory record.
        f.seek(0, 2)
        end = f.tell()
        f.seek(max(0, end - 65_557))
        tail = f.read()
        eocd = tail.rfind(b"PK\x05\x06")
        cd_size, cd_off = struct.unpack_from("<II", tail, eocd + 12)
        f.seek(cd_off)
        cd = f.read(cd_size)
        pos = 0
        while pos < len(cd):
            assert cd[pos : pos + 4] == b"PK\x01\x02"
            nlen, xlen, clen = struct.unpack_from("<HHH", cd, pos + 28)
            name = cd[pos + 46 : pos + 46 + nlen].decode("utf-8", "replace")
            if name == part:
                f.seek(cd_off + pos + 24)
                f.write(struct.pack("<I", new_size))
                return
            pos += 46 + nlen + xlen + clen
    raise KeyError(part)


# ---------------------------------------------------------------------------------------------
# ODS

ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def ods_manifest(encrypted=False):
    enc = ""
    if encrypted:
        enc = (
            ' manifest:size="2817"><manifest:encryption-data '
            'manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
            'manifest:checksum="p2ZQKpSmUZGDLvEXm3kvNkAgUq9MGJ3hbIhgLhFQJ9M=">'
            '<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
            'manifest:initialisation-vector="3iQ0YSqHqFz1wqRnb4l3Dw=="/>'
            '<manifest:start-key-generation manifest:start-key-generation-name="http://www.w3.org/2000/09/xmldsig#sha256" '
            'manifest:key-size="32"/>'
            '<manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" '
            'manifest:iteration-count="100000" manifest:salt="Yq0Qb1lq5ZkqQ0n4oYz0pA=="/>'
            "</manifest:encryption-data></manifest:file-entry>"
        )
    content_entry = '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"'
    content_entry += enc if encrypted else "/>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f"{content_entry}"
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )


def ods_content():
    def s(t):
        return f'<table:table-cell office:value-type="string"><text:p>{esc(t)}</text:p></table:table-cell>'

    def f(v):
        return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'

    rows = [[s(TITLE)], [s(h) for h in HEADER]] + [[s(n), f(a), f(b)] for n, a, b in ROWS]
    body = "".join(f"<table:table-row>{''.join(r)}</table:table-row>" for r in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{SHEET}">'
        '<table:table-column table:number-columns-repeated="3"/>'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )


ODS_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
    "<office:meta/></office:document-meta>"
)


def write_ods(path, mimetype_first=True, encrypted=False, rng=None):
    def mimetype(zf):
        info = zipfile.ZipInfo("mimetype", date_time=(2025, 7, 1, 9, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        zf.writestr(info, ODS_MIME)

    with zipfile.ZipFile(path, "w") as zf:
        if mimetype_first:
            mimetype(zf)
        write_part(zf, "META-INF/manifest.xml", ods_manifest(encrypted))
        if encrypted:
            # Encrypted parts are stored: they were deflated before being encrypted.
            info = zipfile.ZipInfo("content.xml", date_time=(2025, 7, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, rng.randbytes(2817))
        else:
            write_part(zf, "content.xml", ods_content())
        write_part(zf, "meta.xml", ODS_META)
        if not mimetype_first:
            mimetype(zf)


# ---------------------------------------------------------------------------------------------
# OLE compound files (CFB)

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
CFB_SIG = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"


def cfb_build(streams):
    """A version-3 compound file (512-byte sectors) holding `streams` [(name, bytes)] as
    children of the root: streams under 4096 bytes in the mini stream, the others in sectors;
    FAT sectors first, then the directory, the mini FAT, the mini stream and the big streams."""
    SECT, MINI, CUTOFF = 512, 64, 4096
    per = SECT // 4

    def nsect(n, size=SECT):
        return (n + size - 1) // size

    ministream = bytearray()
    minifat = []
    placed = []  # (name, start, size, in_mini)
    for name, data in streams:
        if len(data) < CUTOFF:
            k = nsect(len(data), MINI)
            start = len(ministream) // MINI if k else ENDOFCHAIN
            minifat += [len(ministream) // MINI + i + 1 for i in range(k - 1)] + ([ENDOFCHAIN] if k else [])
            ministream += data + b"\0" * (k * MINI - len(data))
            placed.append([name, start, len(data), True])
        else:
            placed.append([name, None, len(data), False])

    n_dir_entries = 1 + len(streams)
    n_dir = nsect(n_dir_entries * 128)
    n_minifat = nsect(len(minifat) * 4)
    n_mini = nsect(len(ministream))
    n_big = sum(nsect(len(d)) for _, d in streams if len(d) >= CUTOFF)
    n_fat = 1
    while nsect(n_fat + n_dir + n_minifat + n_mini + n_big, per) > n_fat:
        n_fat += 1
    assert n_fat <= 109

    fat = [FATSECT] * n_fat
    sectors = []  # payload per sector after the FAT

    def chain(data):
        k = nsect(len(data))
        first = n_fat + len(sectors)
        for i in range(k):
            sectors.append(data[i * SECT : (i + 1) * SECT].ljust(SECT, b"\0"))
            fat.append(first + i + 1 if i < k - 1 else ENDOFCHAIN)
        return first if k else ENDOFCHAIN

    # The directory is written last into reserved sectors: reserve them now.
    dir_first = n_fat
    for i in range(n_dir):
        sectors.append(None)
        fat.append(dir_first + i + 1 if i < n_dir - 1 else ENDOFCHAIN)
    minifat_first = chain(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else ENDOFCHAIN
    mini_first = chain(bytes(ministream)) if ministream else ENDOFCHAIN
    for p, (name, data) in zip(placed, streams):
        if not p[3]:
            p[1] = chain(data)

    # The red-black tree of the root's children: balanced, the deepest level red.
    def key(name):
        return (len(name), name.upper())

    order = sorted(range(len(placed)), key=lambda i: key(placed[i][0]))
    left = [NOSTREAM] * len(placed)
    right = [NOSTREAM] * len(placed)
    depth = [0] * len(placed)

    def build(lo, hi, d):
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        i = order[mid]
        depth[i] = d
        left[i] = build(lo, mid, d + 1)
        right[i] = build(mid + 1, hi, d + 1)
        return i + 1  # directory index (0 is the root)

    tree_root = build(0, len(order), 0)
    max_depth = max(depth) if depth else 0
    perfect = len(placed) == (1 << (max_depth + 1)) - 1

    def dirent(name, typ, color, l, r, child, start, size):
        nm = name.encode("utf-16-le") + b"\0\0"
        return struct.pack(
            "<64sHBBIII16sIQQIQ", nm, len(nm), typ, color, l, r, child, b"\0" * 16, 0, 0, 0, start, size
        )

    entries = [dirent("Root Entry", 5, 1, NOSTREAM, NOSTREAM, tree_root, mini_first, len(ministream))]
    for i, (name, start, size, _) in enumerate(placed):
        red = depth[i] == max_depth and max_depth > 0 and not perfect
        # build() stored directory indexes (the root is 0) in left/right already.
        entries.append(dirent(name, 2, 0 if red else 1, left[i], right[i], NOSTREAM, start, size))
    unused = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    dir_bytes = b"".join(entries) + unused * (n_dir * 4 - len(entries))
    for i in range(n_dir):
        sectors[i] = dir_bytes[i * SECT : (i + 1) * SECT]

    fat += [FREESECT] * (n_fat * per - len(fat))
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        CFB_SIG, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, n_fat, dir_first, 0, CUTOFF, minifat_first, n_minifat, ENDOFCHAIN, 0,
    ) + struct.pack("<109I", *difat)
    assert len(header) == SECT
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + b"".join(sectors)


class Cfb:
    """A reader of small compound files (enough for the fixture): header, FAT, directory,
    mini stream; where each stream's bytes are in the file."""

    def __init__(self, data):
        assert data[:8] == CFB_SIG
        self.data = data
        self.ssz = 1 << struct.unpack_from("<H", data, 30)[0]
        self.msz = 1 << struct.unpack_from("<H", data, 32)[0]
        (n_fat, self.dir_first, _, self.cutoff, self.minifat_first, n_minifat, _, n_difat) = struct.unpack_from(
            "<IIIIIIII", data, 44
        )
        assert n_difat == 0 and n_fat <= 109
        self.fat_sectors = list(struct.unpack_from("<109I", data, 76))[:n_fat]
        per = self.ssz // 4
        self.fat = []
        for s in self.fat_sectors:
            self.fat += struct.unpack_from(f"<{per}I", data, self.offset(s))
        self.dir_chain = self.chain(self.dir_first)
        raw = b"".join(self.sector(s) for s in self.dir_chain)
        self.entries = []
        for i in range(len(raw) // 128):
            e = raw[i * 128 : (i + 1) * 128]
            nlen = struct.unpack_from("<H", e, 64)[0]
            name = e[: max(0, nlen - 2)].decode("utf-16-le", "replace")
            typ = e[66]
            start, size = struct.unpack_from("<IQ", e, 116)
            self.entries.append({"name": name, "type": typ, "start": start, "size": size & 0xFFFFFFFF})
        root = self.entries[0]
        self.mini_chain = self.chain(root["start"]) if root["size"] else []
        self.ministream = b"".join(self.sector(s) for s in self.mini_chain)[: root["size"]]
        self.minifat_chain = self.chain(self.minifat_first) if n_minifat else []
        mf = b"".join(self.sector(s) for s in self.minifat_chain)
        self.minifat = list(struct.unpack(f"<{len(mf) // 4}I", mf))

    def offset(self, sector):
        return (sector + 1) * self.ssz

    def sector(self, s):
        return self.data[self.offset(s) : self.offset(s) + self.ssz]

    def chain(self, start, fat=None):
        fat = self.fat if fat is None else fat
        out, seen = [], set()
        while start < 0xFFFFFFFA:
            assert start not in seen and start < len(fat)
            seen.add(start)
            out.append(start)
            start = fat[start]
        return out

    def stream(self, name):
        e = next(e for e in self.entries if e["name"] == name and e["type"] == 2)
        if e["size"] < self.cutoff:
            ch = self.chain(e["start"], self.minifat)
            return b"".join(self.ministream[s * self.msz : (s + 1) * self.msz] for s in ch)[: e["size"]]
        return b"".join(self.sector(s) for s in self.chain(e["start"]))[: e["size"]]

    def streams(self):
        """The root's streams as [(name, bytes)] (the fixture has no storages)."""
        return [(e["name"], self.stream(e["name"])) for e in self.entries[1:] if e["type"] == 2]

    def fat_entry_offset(self, n):
        per = self.ssz // 4
        return self.offset(self.fat_sectors[n // per]) + (n % per) * 4

    def needed_ranges(self, name="Workbook"):
        """File byte ranges a reader needs to get stream `name` whole: the header, the FAT
        and mini FAT sectors, the root's and the stream's directory entries, and the stream's
        own bytes (in sectors, or in the mini stream's sectors)."""
        r = [(0, 512)]
        for s in self.fat_sectors + self.minifat_chain:
            r.append((self.offset(s), self.offset(s) + self.ssz))
        per_sector = self.ssz // 128
        idx = next(i for i, e in enumerate(self.entries) if e["name"] == name and e["type"] == 2)
        for i in (0, idx):
            off = self.offset(self.dir_chain[i // per_sector]) + (i % per_sector) * 128
            r.append((off, off + 128))
        e = self.entries[idx]
        if e["size"] < self.cutoff:
            for j, m in enumerate(self.chain(e["start"], self.minifat)):
                n = min(self.msz, e["size"] - j * self.msz)
                pos = m * self.msz
                off = self.offset(self.mini_chain[pos // self.ssz]) + pos % self.ssz
                r.append((off, off + n))
        else:
            for j, sct in enumerate(self.chain(e["start"])):
                n = min(self.ssz, e["size"] - j * self.ssz)
                r.append((self.offset(sct), self.offset(sct) + n))
        return r


def biff_records(stream):
    """[(offset, type, data)] of a BIFF stream."""
    out, pos = [], 0
    while pos + 4 <= len(stream):
        typ, n = struct.unpack_from("<HH", stream, pos)
        out.append((pos, typ, stream[pos + 4 : pos + 4 + n]))
        pos += 4 + n
    return out


def rec(typ, data=b""):
    return struct.pack("<HH", typ, len(data)) + data


# ---------------------------------------------------------------------------------------------
# Old BIFF (2, 3, 4): a bare worksheet stream, no compound file around it.


def old_biff(version):
    gbk = lambda s: s.encode("gbk")  # noqa: E731
    cells = [(0, 0, TITLE)] + [(1, i, h) for i, h in enumerate(HEADER)]
    for r, (n, a, b) in enumerate(ROWS, start=2):
        cells += [(r, 0, n), (r, 1, a), (r, 2, b)]
    out = bytearray()
    if version == 2:
        out += rec(0x0009, struct.pack("<HH", 0x0002, 0x0010))
        out += rec(0x0042, struct.pack("<H", 936))
        out += rec(0x0000, struct.pack("<HHHH", 0, 5, 0, 3))
        for r, c, v in cells:
            if isinstance(v, str):
                b = gbk(v)
                out += rec(0x0004, struct.pack("<HH3sB", r, c, b"\0\0\0", len(b)) + b)
            else:
                out += rec(0x0003, struct.pack("<HH3sd", r, c, b"\0\0\0", float(v)))
    else:
        out += rec({3: 0x0209, 4: 0x0409}[version], struct.pack("<HHH", 0, 0x0010, 0))
        out += rec(0x0042, struct.pack("<H", 936))
        out += rec(0x0200, struct.pack("<HHHHH", 0, 5, 0, 3, 0))
        for r, c, v in cells:
            if isinstance(v, str):
                b = gbk(v)
                out += rec(0x0204, struct.pack("<HHHH", r, c, 15, len(b)) + b)
            else:
                out += rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
    out += rec(0x000A)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# The cases


def gen_controls(s):
    for short, name in SOURCES.items():
        shutil.copyfile(FIXTURES / name, s.path(name))
        s.add(name, "control", "imported", [], f"the real {short} fixture unchanged: the baseline the damaged copies start from")
    write_xlsx(s.path("control_minimal_return.xlsx"), simple_sheet(return_rows(), "A1:C5"))
    s.add("control_minimal_return.xlsx", "control", "imported", [],
          "the hand-written minimal OOXML return the unusual and bad-cell cases are variants of",
          values=RETURN_VALUES)
    write_ods(s.path("control_minimal_return.ods"))
    s.add("control_minimal_return.ods", "control", "imported", [],
          "the hand-written minimal ODS return (mimetype first)", values=RETURN_VALUES)
    streams = Cfb((FIXTURES / SOURCES["xls"]).read_bytes()).streams()
    s.write("control_xls_repacked.xls", cfb_build(streams))
    s.add("control_xls_repacked.xls", "control", "imported", [],
          "the .xls fixture's streams repacked by this script's compound-file writer (proves the writer the damaged .xls cases use)")


def gen_wide(s):
    # One row of 1,000,000 columns.
    with open(s.path("wide_csv_1M_columns_one_row.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(",".join(["1"] * 1_000_000) + "\r\n")
    s.add("wide_csv_1M_columns_one_row.csv", "wide", "rejected", W_LARGE,
          "one line of 1,000,000 fields: far wider than any spreadsheet (Excel stops at 16,384 columns)")
    # A return whose header has 20,000 columns.
    with open(s.path("wide_csv_20000_column_header.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(TITLE + "\r\n")
        f.write(",".join(HEADER + [f"备注{i}" for i in range(1, 20_000 - 2)]) + "\r\n")
        for n, a, b in ROWS:
            f.write(f"{n},{a},{b}" + "," * (20_000 - 3) + "\r\n")
    s.add("wide_csv_20000_column_header.csv", "wide", "rejected", W_LARGE,
          "a return with 19,997 extra 备注 columns: wider than Excel allows, so not a return anyone filled in")
    # An .xlsx return whose header row has 16,384 text cells.
    rows = return_rows(extra_cols=16_384 - 3)
    write_xlsx(s.path("wide_xlsx_16384_header_cells.xlsx"), simple_sheet(rows, "A1:XFD5"))
    s.add("wide_xlsx_16384_header_cells.xlsx", "wide", "either", W_LARGE,
          "the return plus 16,381 备注 header cells (to XFD, Excel's last column): import it or refuse it as too wide")
    # An empty row above a 5,000-column header, no merges, 报告期 in a column.
    hdr = ["地区", "报告期", HEADER[1], HEADER[2]] + [f"说明{i}" for i in range(1, 5_000 - 3)]
    body = [row_xml(2, [c_str(f"{col_name(i)}2", h) for i, h in enumerate(hdr)])]
    for r, (n, a, b) in enumerate(ROWS, start=3):
        body.append(row_xml(r, [c_str(f"A{r}", n), c_str(f"B{r}", "2025年第二季度"), c_num(f"C{r}", a), c_num(f"D{r}", b)]))
    write_xlsx(s.path("wide_xlsx_blank_row_then_5000_column_header.xlsx"),
               simple_sheet(body, f"A2:{col_name(4_999)}5"))
    s.add("wide_xlsx_blank_row_then_5000_column_header.xlsx", "wide", "either", W_LARGE,
          "row 1 empty, a 5,000-column header in row 2 (地区, 报告期, two metrics, 4,996 说明 columns), no merges")


def gen_merged(s):
    rows = return_rows(extra_cols=16_384 - 3)
    merges = [f"{col_name(c)}2:{col_name(c + 1)}2" for c in range(3, 16_383, 2)]  # 8,190 in the header
    note_row = 8
    rows.append(row_xml(note_row, [c_str(f"{col_name(c)}{note_row}", "注") for c in range(0, 16_384, 2)]))
    merges += [f"{col_name(c)}{note_row}:{col_name(c + 1)}{note_row}" for c in range(0, 2 * (10_000 - len(merges)), 2)]
    assert len(merges) == 10_000
    write_xlsx(s.path("merged_10000_areas_16384_columns.xlsx"), simple_sheet(rows, "A1:XFD8", merges))
    s.add("merged_10000_areas_16384_columns.xlsx", "merged", "either", W_LARGE,
          "the return, 16,381 extra header cells to XFD, 10,000 two-column merges (8,190 in the header row, "
          "1,810 in a notes row): any merge handling that is quadratic shows here")


def gen_deep(s):
    def rows(a, b):
        return (f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(a, b))

    write_xlsx(s.path("deep_xlsx_1048576_rows.xlsx"),
               [sheet_head("A1:A1048576"), *chunked(rows, 1_048_576), sheet_tail()])
    s.add("deep_xlsx_1048576_rows.xlsx", "deep", "rejected", W_LARGE + W_NOTABLE,
          "1,048,576 rows (Excel's maximum) of one number each: no return has that many rows")
    with open(s.path("deep_csv_2M_lines.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("地区,养老护理员数（人）\n")
        line = "x,1\n" * 10_000
        for _ in range(200):
            f.write(line)
    s.add("deep_csv_2M_lines.csv", "deep", "rejected", W_LARGE + ["没有名称"],
          "2,000,000 short lines: more rows than Excel allows (1,048,576)")
    rng = random.Random(31)
    chunk = "".join(rng.choice(("\n", ",,,,\r\n")) for _ in range(MIB // 4)).encode()
    with open(s.path("deep_csv_50MB_blank_lines.csv"), "wb") as f:
        written = 0
        while written < 50 * 1_000_000:
            f.write(chunk)
            written += len(chunk)
    s.add("deep_csv_50MB_blank_lines.csv", "deep", "rejected", W_LARGE + ["空", "没有"],
          "50 MB of blank lines (\\n and ,,,,\\r\\n mixed, ~12 million of them): too many rows, or nothing in it")


def gen_declared(s):
    write_xlsx(s.path("declared_dimension_A1_XFD1048576_two_cells.xlsx"),
               simple_sheet([row_xml(1, [c_str("A1", "地区")]), row_xml(2, [c_num("B2", 1)])], "A1:XFD1048576"))
    s.add("declared_dimension_A1_XFD1048576_two_cells.xlsx", "declared-huge", "rejected", W_LARGE + W_NOTABLE,
          "<dimension ref=A1:XFD1048576> (17 billion cells) with two cells in it: nothing may be allocated from the declaration")
    write_xlsx(s.path("declared_dimension_A1_XFD1048576_return.xlsx"), simple_sheet(return_rows(), "A1:XFD1048576"))
    s.add("declared_dimension_A1_XFD1048576_return.xlsx", "declared-huge", "either", W_LARGE,
          "a real 5-row return whose <dimension> claims the whole sheet: import it (ignoring the claim) or refuse it as too large")

    def rows(a, b):
        return (f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(a, b))

    write_xlsx(s.path("declared_dimension_A1_IV1_but_1M_rows.xlsx"),
               [sheet_head("A1:IV1"), *chunked(rows, 1_000_000), sheet_tail()])
    s.add("declared_dimension_A1_IV1_but_1M_rows.xlsx", "declared-huge", "rejected", W_LARGE + W_NOTABLE,
          "the dimension says one row (A1:IV1) but 1,000,000 rows of one cell follow: a limit taken from the declaration is no limit")
    write_xlsx(s.path("declared_single_cell_at_XFD1048576.xlsx"),
               simple_sheet([row_xml(1_048_576, [c_num("XFD1048576", 1)])], "XFD1048576"))
    s.add("declared_single_cell_at_XFD1048576.xlsx", "declared-huge", "rejected", W_LARGE + W_NOTABLE,
          "one cell, at XFD1048576: a dense grid from A1 to it would be 17 billion cells")
    write_xlsx(s.path("declared_dimension_overflowing_ref.xlsx"),
               simple_sheet(return_rows(), "A1:ZZZZZZZZ99999999999999999999"))
    s.add("declared_dimension_overflowing_ref.xlsx", "declared-huge", "either", W_LARGE + W_DAMAGED,
          "a <dimension ref> whose row and column overflow every integer type, over a real return")


def gen_inflating(s):
    # The sheet XML inflates to ~1,000 MiB: the return, then ~40 million one-cell rows.
    head = sheet_head(None) + "".join(return_rows())
    tail = sheet_tail()
    filler = 1000 * MIB - len(head.encode()) - len(tail)
    write_xlsx(s.path("inflating_sheet_1000MiB.xlsx"), [head, *repeat_to("<row><c><v>1</v></c></row>", filler), tail])
    s.add("inflating_sheet_1000MiB.xlsx", "inflating", "rejected", W_LARGE,
          "sheet1.xml inflates to ~1,000 MiB (~40 million <row>s, ~1 MB compressed): just under a 1 GiB total-size guard")
    # sharedStrings.xml inflates to ~500 MiB; the sheet uses its first strings.
    strings = [TITLE, *HEADER, *(n for n, _, _ in ROWS)]
    si = "<si><t>养老服务人才</t></si>"
    n_extra = (500 * MIB) // len(si.encode())
    sst_head = (f'{XML_DECL}<sst xmlns="{NS_MAIN}" count="{len(strings) + n_extra}" uniqueCount="{len(strings) + n_extra}">'
                + "".join(f"<si><t>{esc(t)}</t></si>" for t in strings))
    sheet = sheet_head("A1:C5") + row_xml(1, ['<c r="A1" t="s"><v>0</v></c>']) + row_xml(
        2, [f'<c r="{col_name(i)}2" t="s"><v>{1 + i}</v></c>' for i in range(3)])
    for k, (n, a, b) in enumerate(ROWS):
        r = 3 + k
        sheet += row_xml(r, [f'<c r="A{r}" t="s"><v>{4 + k}</v></c>', c_num(f"B{r}", a), c_num(f"C{r}", b)])
    sheet += sheet_tail()
    write_xlsx(s.path("inflating_shared_strings_500MiB.xlsx"), sheet,
               shared=[sst_head, *repeat_to(si, n_extra * len(si.encode())), "</sst>"])
    s.add("inflating_shared_strings_500MiB.xlsx", "inflating", "rejected", W_LARGE,
          "sharedStrings.xml inflates to ~500 MiB (~21 million strings) behind a 5-row return")
    # The same return with a shared-string table that claims 4,294,967,295 strings.
    sst_small = (f'{XML_DECL}<sst xmlns="{NS_MAIN}" count="4294967295" uniqueCount="4294967295">'
                 + "".join(f"<si><t>{esc(t)}</t></si>" for t in strings) + "</sst>")
    write_xlsx(s.path("inflating_shared_strings_declared_4G_count.xlsx"), sheet, shared=sst_small)
    s.add("inflating_shared_strings_declared_4G_count.xlsx", "inflating", "either", W_LARGE + W_DAMAGED,
          "a 5-row return whose <sst uniqueCount> claims 4,294,967,295 strings: nothing may be reserved from the claim")
    # A part that declares 1 KiB but inflates to ~1,100 MiB.
    name = "inflating_declared_size_lies_1100MiB.xlsx"
    head = sheet_head(None) + "".join(return_rows())
    write_xlsx(s.path(name), [head, *repeat_to("<row><c><v>1</v></c></row>", 1100 * MIB), sheet_tail()], level=1)
    patch_zip_declared_size(s.path(name), "xl/worksheets/sheet1.xml", 1024)
    s.add(name, "inflating", "rejected", W_LARGE + W_DAMAGED,
          "sheet1.xml says (local header and central directory) it inflates to 1,024 bytes; it inflates to ~1,100 MiB")
    # A valid return whose sheet's declared size is half the real one.
    name = "inflating_declared_size_lies_small_return.xlsx"
    sheet_xml = simple_sheet(return_rows(), "A1:C5")
    write_xlsx(s.path(name), sheet_xml)
    patch_zip_declared_size(s.path(name), "xl/worksheets/sheet1.xml", len(sheet_xml.encode()) // 2)
    s.add(name, "inflating", "either", W_DAMAGED + W_LARGE,
          "a valid return whose sheet1.xml declares half its real size: the zip is inconsistent (CRC of the declared "
          "length fails); refusing it as damaged is right, reading the whole part and importing is tolerable")
    # 100,000 tiny entries before the workbook's parts (zip64 end record: more than 65,535 entries).
    name = "inflating_100000_zip_entries.xlsx"
    tiny = ((f"customXml/item{i}.xml", b"<a/>") for i in range(100_000))
    write_xlsx(s.path(name), simple_sheet(return_rows(), "A1:C5"), before=tiny)
    s.add(name, "inflating", "either", W_LARGE,
          "100,000 tiny parts, then the parts of a valid return (more than 65,535 entries: a zip64 end record)")


def gen_truncated(s, sources):
    for short, data in sources.items():
        needed = Cfb(data).needed_ranges() if short == "xls" else None
        points = [("10pct", len(data) * 10 // 100), ("50pct", len(data) // 2), ("90pct", len(data) * 90 // 100),
                  ("minus22", len(data) - 22), ("minus1", len(data) - 1)]
        for label, cut in points:
            name = f"truncated_{short}_{label}.{short}"
            s.write(name, data[:cut])
            if short == "csv":
                s.add(name, "truncated", "either", [],
                      f"{SOURCES[short]} cut to {cut} of {len(data)} bytes: a CSV has no end marker, so a cut "
                      "between rows cannot be noticed; but never a crash")
            elif short == "xls" and not any(b > cut for a, b in needed):
                s.add(name, "truncated", "either", W_DAMAGED,
                      f"{SOURCES[short]} cut to {cut} of {len(data)} bytes: only parts the Workbook stream does not "
                      "need are lost (other directory entries, other streams, padding): refusing it as damaged or "
                      "importing the intact return are both right")
            else:
                s.add(name, "truncated", "rejected", W_DAMAGED,
                      f"{SOURCES[short]} cut to {cut} of {len(data)} bytes")


def gen_bitflipped(s, sources):
    for k, (short, data) in enumerate(sources.items()):
        rng = random.Random(7_000 + k)
        for i in range(40):
            b = bytearray(data)
            if i % 2 == 0:
                pos = rng.randrange(len(b))
                b[pos] ^= rng.randrange(1, 256)
                what = f"byte {pos} xor-ed"
            else:
                pos = rng.randrange(len(b) - 8)
                b[pos : pos + 8] = rng.randbytes(8)
                what = f"bytes {pos}..{pos + 7} replaced"
            name = f"bitflip_{short}_{i:02d}.{short}"
            s.write(name, bytes(b))
            s.add(name, "bit-flipped", "either", [], f"{SOURCES[short]} with {what} (seed {7_000 + k})")


def gen_encrypted(s):
    rng = random.Random(41)
    info_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="3Yp0hJ1zQy0xvKq4j9b3WA=="/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        'saltValue="u1U6mJ0v0s6Sx0m8h2Xr8w=="/></keyEncryptor></keyEncryptors></encryption>'
    ).encode()
    info = struct.pack("<HHI", 4, 4, 0x40) + info_xml
    package = struct.pack("<Q", 12_288) + rng.randbytes(12_288)
    s.write("encrypted_ooxml_in_cfb.xlsx", cfb_build([("EncryptionInfo", info), ("EncryptedPackage", package)]))
    s.add("encrypted_ooxml_in_cfb.xlsx", "encrypted", "rejected", W_ENCRYPTED,
          "a compound file holding EncryptionInfo (agile) and EncryptedPackage: what Excel saves for a password-protected .xlsx")
    shutil.copyfile(FIXTURES / "excel_password_protected.xlsx", s.path("encrypted_real_excel_password.xlsx"))
    s.add("encrypted_real_excel_password.xlsx", "encrypted", "rejected", W_ENCRYPTED,
          "the project's real password-protected workbook (msoffcrypto-tool)")
    write_ods(s.path("encrypted_password.ods"), encrypted=True, rng=rng)
    s.add("encrypted_password.ods", "encrypted", "rejected", W_ENCRYPTED,
          "an .ods whose manifest declares manifest:encryption-data for content.xml (random bytes)")
    # BIFF8 with a FILEPASS record after the globals' BOF (the BOUNDSHEET offsets shifted).
    cfb = Cfb((FIXTURES / SOURCES["xls"]).read_bytes())
    wb = cfb.stream("Workbook")
    recs = biff_records(wb)
    filepass = rec(0x002F, struct.pack("<HHH", 1, 1, 1) + rng.randbytes(48))
    out = bytearray()
    for i, (pos, typ, data) in enumerate(recs):
        if typ == 0x0085:
            data = struct.pack("<I", struct.unpack_from("<I", data)[0] + len(filepass)) + data[4:]
        out += rec(typ, data)
        if i == 0:
            out += filepass
    streams = [(n, bytes(out) if n == "Workbook" else d) for n, d in cfb.streams()]
    s.write("encrypted_biff8_filepass.xls", cfb_build(streams))
    s.add("encrypted_biff8_filepass.xls", "encrypted", "rejected", W_ENCRYPTED,
          "the .xls fixture with an RC4 FILEPASS record: how Excel marks a password-protected .xls")


def gen_wrong_formats(s):
    # .xlsb
    ct = (f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
          '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
          "</Types>")
    rels = ROOT_RELS.replace("xl/workbook.xml", "xl/workbook.bin")
    wrels = workbook_rels().replace("sheet1.xml", "sheet1.bin")
    # BIFF12 records: BrtBeginBook, BrtBeginBundleShs, BrtBundleSh, BrtEndBundleShs, BrtEndBook.
    wide = lambda t: struct.pack("<I", len(t)) + t.encode("utf-16-le")  # noqa: E731
    bundle = struct.pack("<II", 0, 1) + wide("rId1") + wide(SHEET)
    book = (b"\x83\x01\x00" + b"\x8F\x01\x00" + b"\x9C\x01" + bytes([len(bundle)]) + bundle
            + b"\x90\x01\x00" + b"\x84\x01\x00")
    sheet_bin = b"\x81\x01\x00" + b"\x91\x01\x00" + b"\x92\x01\x00" + b"\x82\x01\x00"
    for name in ("wrong_format.xlsb", "wrong_format_xlsb_renamed.xlsx"):
        with zipfile.ZipFile(s.path(name), "w") as zf:
            write_part(zf, "[Content_Types].xml", ct)
            write_part(zf, "_rels/.rels", rels)
            write_part(zf, "xl/workbook.bin", book)
            write_part(zf, "xl/_rels/workbook.bin.rels", wrels)
            write_part(zf, "xl/worksheets/sheet1.bin", sheet_bin)
    s.add("wrong_format.xlsb", "wrong-format", "rejected", W_XLSB, "an Excel binary workbook (.xlsb)")
    s.add("wrong_format_xlsb_renamed.xlsx", "wrong-format", "rejected", W_XLSB,
          "an .xlsb renamed .xlsx (xl/workbook.bin, no workbook.xml)")
    for v in (2, 3, 4):
        name = f"old_biff{v}.xls"
        s.write(name, old_biff(v))
        s.add(name, "old-format", "rejected", W_OLD,
              f"a bare BIFF{v} worksheet (Excel {v}.0, BOF 0x{[0, 0, 0x0009, 0x0209, 0x0409][v]:04X}), no compound file; "
              "GBK labels, codepage 936")
    pdf = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
           b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\nxref\n0 3\n0000000000 65535 f \n"
           b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n0\n%%EOF\n")
    s.write("wrong_pdf_renamed.xlsx", pdf)
    s.add("wrong_pdf_renamed.xlsx", "wrong-format", "rejected", W_NOT_SHEET, "a PDF renamed .xlsx")

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\0\xff\x00\x00")) + chunk(b"IEND", b""))
    s.write("wrong_png_renamed.xls", png)
    s.add("wrong_png_renamed.xls", "wrong-format", "rejected", W_NOT_SHEET, "a PNG image renamed .xls")
    for ext in ("xlsx", "xls", "ods", "csv"):
        s.write(f"empty.{ext}", b"")
        s.add(f"empty.{ext}", "wrong-format", "rejected", W_NOT_SHEET + ["空"], f"an empty (0-byte) .{ext} file")
    with zipfile.ZipFile(s.path("wrong_zip_of_text_renamed.xlsx"), "w") as zf:
        write_part(zf, "说明.txt", "这是一份说明文档，不是报表。\n")
    s.add("wrong_zip_of_text_renamed.xlsx", "wrong-format", "rejected", W_NOT_SHEET,
          "a zip archive of one text file, renamed .xlsx")
    # GBK CSV cut after the first byte of 区 in the last row's 博山区.
    gbk = (TITLE + "\r\n" + ",".join(HEADER) + "\r\n"
           + "".join(f"{n},{a},{b}\r\n" for n, a, b in ROWS)).encode("gbk")
    cut = gbk.rfind("区".encode("gbk")) + 1
    s.write("gbk_csv_cut_mid_character.csv", gbk[:cut])
    s.add("gbk_csv_cut_mid_character.csv", "wrong-format", "rejected", W_DAMAGED + ["编码", "乱码"],
          "a GBK CSV return that ends after the first byte of 区 in 博山区 (the row and its numbers are gone)")
    u16 = ("\ufeff" + TITLE + "\r\n" + ",".join(HEADER) + "\r\n"
           + "".join(f"{n},{a},{b}\r\n" for n, a, b in ROWS)).encode("utf-16-le")
    s.write("utf16_csv_odd_length_trailing.csv", u16[:-1])
    s.add("utf16_csv_odd_length_trailing.csv", "wrong-format", "either", W_DAMAGED + ["编码"],
          "a UTF-16LE CSV return (BOM) whose final \\n lost its high byte: odd length, but every value is whole")
    u16b = u16[: u16.rfind("41".encode("utf-16-le")) + 3]
    s.write("utf16_csv_odd_length_mid_value.csv", u16b)
    s.add("utf16_csv_odd_length_mid_value.csv", "wrong-format", "rejected", W_DAMAGED + ["编码"],
          "a UTF-16LE CSV return cut in the middle of the last value's second character (41 -> 4 + half a 1): "
          "importing 4 would be silently wrong")
    s.path("folder.xlsx").mkdir()
    s.add("folder.xlsx", "wrong-format", "rejected", W_DIR, "a directory named folder.xlsx")


def gen_unusual(s):
    write_xlsx(s.path("unusual_backslash_part_names.xlsx"), simple_sheet(return_rows(), "A1:C5"), sep="\\")
    s.add("unusual_backslash_part_names.xlsx", "valid-unusual", "imported", [],
          "a valid return whose zip part names use backslashes (xl\\worksheets\\sheet1.xml; rels targets keep /)",
          values=RETURN_VALUES)
    write_ods(s.path("unusual_ods_mimetype_not_first.ods"), mimetype_first=False)
    s.add("unusual_ods_mimetype_not_first.ods", "valid-unusual", "imported", [],
          "a valid .ods return whose mimetype entry is the last zip entry, not the first", values=RETURN_VALUES)


def gen_bad_cells(s):
    write_xlsx(s.path("badcell_boolean_count.xlsx"),
               simple_sheet(return_rows(bad={"B4": '<c r="B4" t="b"><v>1</v></c>'}), "A1:C5"))
    s.add("badcell_boolean_count.xlsx", "bad-cell", "rejected", W_CELL,
          "the return with TRUE (t=\"b\") as 淄川区's 养老护理员数 in B4", sheet=SHEET, cell="B4")
    write_xlsx(s.path("badcell_error_div0.xlsx"),
               simple_sheet(return_rows(bad={"C5": '<c r="C5" t="e"><v>#DIV/0!</v></c>'}), "A1:C5"))
    s.add("badcell_error_div0.xlsx", "bad-cell", "rejected", W_CELL,
          "the return with #DIV/0! (t=\"e\") as 博山区's 持证养老护理员数 in C5", sheet=SHEET, cell="C5")
    strings = [TITLE, *HEADER, "张店区", "淄川区"]
    sst = (f'{XML_DECL}<sst xmlns="{NS_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{esc(t)}</t></si>" for t in strings) + "</sst>")
    rows = [row_xml(1, ['<c r="A1" t="s"><v>0</v></c>']),
            row_xml(2, [f'<c r="{col_name(i)}2" t="s"><v>{1 + i}</v></c>' for i in range(3)])]
    for k, (n, a, b) in enumerate(ROWS):
        r = 3 + k
        rows.append(row_xml(r, [f'<c r="A{r}" t="s"><v>{4 + k if k < 2 else 999_999}</v></c>',
                                c_num(f"B{r}", a), c_num(f"C{r}", b)]))
    write_xlsx(s.path("badcell_shared_string_index_out_of_range.xlsx"), simple_sheet(rows, "A1:C5"), shared=sst)
    s.add("badcell_shared_string_index_out_of_range.xlsx", "bad-cell", "rejected", W_CELL + W_DAMAGED,
          "A5 refers to shared string 999,999 of 6", sheet=SHEET, cell="A5")


def gen_damaged_xls(s):
    data = (FIXTURES / SOURCES["xls"]).read_bytes()
    cfb = Cfb(data)
    wb_entry = next(e for e in cfb.entries if e["name"] == "Workbook")
    in_mini = wb_entry["size"] < cfb.cutoff
    # The fixture's Workbook stream (3,460 bytes) lives in the mini stream: the sector chain to
    # break is then the mini stream's own (the root entry's), which holds the Workbook.
    chain = cfb.mini_chain if in_mini else cfb.chain(wb_entry["start"])
    what = "the mini stream (which holds the Workbook stream)" if in_mini else "the Workbook stream"

    def patched(fat_index, value, minifat=False):
        b = bytearray(data)
        if minifat:
            per = cfb.ssz // 4
            off = cfb.offset(cfb.minifat_chain[fat_index // per]) + (fat_index % per) * 4
        else:
            off = cfb.fat_entry_offset(fat_index)
        struct.pack_into("<I", b, off, value)
        return bytes(b)

    s.write("damaged_xls_fat_points_past_end.xls", patched(chain[1], 0x00FFFF00))
    s.add("damaged_xls_fat_points_past_end.xls", "damaged-xls", "rejected", W_DAMAGED,
          f"the FAT chain of {what} continues from sector {chain[1]} to sector 16,776,960 "
          f"(the file has {len(data) // 512 - 1} sectors)")
    mid = len(chain) // 2
    s.write("damaged_xls_sector_chain_loop.xls", patched(chain[mid], chain[0]))
    s.add("damaged_xls_sector_chain_loop.xls", "damaged-xls", "rejected", W_DAMAGED,
          f"the FAT chain of {what}: sector {chain[mid]}, midway, points back to the first, {chain[0]} (a loop; "
          "a reader that reads on until the declared size gets repeated sectors)")
    s.write("damaged_xls_sector_chain_loop_at_end.xls", patched(chain[-1], chain[0]))
    s.add("damaged_xls_sector_chain_loop_at_end.xls", "damaged-xls", "either", W_DAMAGED,
          f"the FAT chain of {what}: its last sector {chain[-1]} points back to its first, {chain[0]}; a reader "
          "that stops at the declared size never sees the loop, one that follows the chain must stop")
    if in_mini:
        mchain = cfb.chain(wb_entry["start"], cfb.minifat)
        mmid = len(mchain) // 2
        s.write("damaged_xls_minifat_chain_loop.xls", patched(mchain[mmid], mchain[0], minifat=True))
        s.add("damaged_xls_minifat_chain_loop.xls", "damaged-xls", "rejected", W_DAMAGED,
              f"the Workbook stream's mini-FAT chain: mini sector {mchain[mmid]}, midway, points back to {mchain[0]}")
        s.write("damaged_xls_minifat_chain_loop_at_end.xls", patched(mchain[-1], mchain[0], minifat=True))
        s.add("damaged_xls_minifat_chain_loop_at_end.xls", "damaged-xls", "either", W_DAMAGED,
              f"the Workbook stream's mini-FAT chain: its last mini sector {mchain[-1]} points back to {mchain[0]}")
        s.write("damaged_xls_minifat_points_past_end.xls", patched(mchain[2], 0x00FFFF00, minifat=True))
        s.add("damaged_xls_minifat_points_past_end.xls", "damaged-xls", "rejected", W_DAMAGED,
              f"the Workbook stream's mini-FAT chain jumps from mini sector {mchain[2]} to 16,776,960")
    s.write("damaged_xls_directory_chain_loop.xls", patched(cfb.dir_chain[-1], cfb.dir_chain[0]))
    s.add("damaged_xls_directory_chain_loop.xls", "damaged-xls", "rejected", W_DAMAGED,
          "the directory's sector chain loops back on itself")
    b = bytearray(data)
    struct.pack_into("<I", b, 72, 1)  # one DIFAT sector...
    struct.pack_into("<I", b, 68, 0x00FFFF00)  # ...far past the end
    s.write("damaged_xls_difat_past_end.xls", bytes(b))
    s.add("damaged_xls_difat_past_end.xls", "damaged-xls", "rejected", W_DAMAGED,
          "the header declares a DIFAT sector at 16,776,960, past the end of the file")

    wb = cfb.stream("Workbook")
    recs = biff_records(wb)
    streams = cfb.streams()

    def with_workbook(new):
        return cfb_build([(n, new if n == "Workbook" else d) for n, d in streams])

    dims = [p for p, t, _ in recs if t == 0x0200]
    assert dims
    w = bytearray(wb)
    for p in dims:
        struct.pack_into("<IIHH", w, p + 4, 0, 0xFFFFFFFF, 0, 256)
    s.write("damaged_xls_dimensions_4G_rows.xls", with_workbook(bytes(w)))
    s.add("damaged_xls_dimensions_4G_rows.xls", "damaged-xls", "either", W_LARGE + W_DAMAGED,
          "every sheet's DIMENSIONS record (0x0200) declares 4,294,967,295 rows x 256 columns over the real cells")
    cps = [p for p, t, _ in recs if t == 0x0042]
    assert cps
    w = bytearray(wb)
    for p in cps:
        struct.pack_into("<H", w, p + 4, 0xD7CC)
    s.write("damaged_xls_codepage_D7CC.xls", with_workbook(bytes(w)))
    s.add("damaged_xls_codepage_D7CC.xls", "damaged-xls", "either", W_DAMAGED + ["编码", "代码页"],
          "the CODEPAGE record (0x0042) says 0xD7CC (55,244), no code page at all")


def main():
    args = [a for a in sys.argv[1:] if a != "--force"]
    force = "--force" in sys.argv[1:]
    if len(args) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    outdir = Path(args[0])
    t0 = time.monotonic()
    if outdir.exists():
        if not outdir.is_dir():
            sys.exit(f"{outdir} is not a directory")
        children = list(outdir.iterdir())
        if children and not (outdir / MARKER).exists() and not force:
            sys.exit(f"{outdir} is not empty and was not written by this script (no {MARKER}); "
                     "pass --force to empty it anyway")
        for c in children:
            if c.is_dir() and not c.is_symlink():
                shutil.rmtree(c)
            else:
                c.unlink()
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text("written by tests/hostile/make_hostile.py; emptied on every run\n")

    s = Suite(outdir)
    sources = {short: (FIXTURES / name).read_bytes() for short, name in SOURCES.items()}
    steps = [gen_controls, gen_wide, gen_merged, gen_deep, gen_declared, gen_inflating,
             lambda s: gen_truncated(s, sources), lambda s: gen_bitflipped(s, sources),
             gen_encrypted, gen_wrong_formats, gen_unusual, gen_bad_cells, gen_damaged_xls]
    for step in steps:
        step(s)
    (outdir / "cases.json").write_text(json.dumps(s.cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in outdir.rglob("*") if p.is_file())
    print(f"{len(s.cases)} hostile cases in {outdir} ({size / 1e6:.0f} MB) in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
