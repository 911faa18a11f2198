"""Spreadsheet bomb: how long and how much memory refusing one takes (issue 16).

A wide sheet whose data row is repeated to ~200 MB of XML (a ~0.7 MB file) with a
`<dimension>` claiming a million rows. Goal: refused in under 2 s, peak Python memory
under 64 MB. Run: `.venv/bin/python -m benchmarks.bomb`.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

from openpyxl import Workbook

from data_access.intake import read_report

GOAL_SECONDS = 2.0
GOAL_PEAK_MB = 64


def rewrite_sheet(content: bytes, edit, *, repeat_bytes: int = 0) -> bytes:
    """The same workbook with the first sheet's XML changed by `edit(xml) -> (head, row, tail)`;
    `row` is written again and again until about `repeat_bytes` (streamed, not built in
    memory). Shared with tests/test_hardening.py, which builds its bombs from the template."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, data)
                continue
            head, row, tail = edit(data)
            with dst.open(item.filename, "w", force_zip64=True) as fh:
                fh.write(head)
                block = row * max(1, (1 << 20) // max(len(row), 1))
                written = 0
                while written < repeat_bytes:
                    fh.write(block)
                    written += len(block)
                fh.write(row + tail)
    return out.getvalue()


def _claim_a_million_rows(xml: bytes) -> tuple[bytes, bytes, bytes]:
    xml = xml.replace(b'<dimension ref="A1:C3"/>', b'<dimension ref="A1:AI1048576"/>')
    start = xml.index(b'<row r="3"')
    end = xml.index(b"</row>", start) + len(b"</row>")
    return xml[:start], xml[start:end], xml[end:]


def build_bomb(unpacked_mb: int = 200) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Tên xã", "Tổng số trẻ em"])
    ws.append(["commune_code", "commune_name", "children_total"])
    ws.append(["07645", "Xã A", 1111])
    buf = io.BytesIO()
    wb.save(buf)
    return rewrite_sheet(buf.getvalue(), _claim_a_million_rows, repeat_bytes=unpacked_mb << 20)


def main() -> None:
    bomb = build_bomb()
    tracemalloc.start()
    t0 = time.perf_counter()
    parsed = read_report(bomb, "bomb.xlsx")
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1048576
    tracemalloc.stop()
    verdict = "ok" if elapsed < GOAL_SECONDS and peak < GOAL_PEAK_MB and parsed.issues else "MISSED"
    print(
        f"bomb {len(bomb) / 1024:.0f} KB: refused in {elapsed:.3f} s, peak {peak:.1f} MB "
        f"({[i.key for i in parsed.issues]}) — goal < {GOAL_SECONDS} s, < {GOAL_PEAK_MB} MB: {verdict}"
    )


if __name__ == "__main__":
    main()
