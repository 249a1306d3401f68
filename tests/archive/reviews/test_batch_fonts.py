"""Issue 19 item 14: a merged batch shares one font subset per face (core.pdf_fonts), so its size
grows with the pages, not with ~320 KB of fonts per candidate; it looks exactly the same."""
from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from archive.reviews import printing
from core.extensions import db
from core.pdf_fonts import _glyphs
from tests import factories as f


def _font_files(data: bytes) -> set[int]:
    reader = PdfReader(io.BytesIO(data))
    out = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            fd = ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            out.add(fd.raw_get("/FontFile3").idnum)
    return out


def _plain_merge(parts) -> bytes:
    writer = PdfWriter()
    for data in parts:
        writer.append(io.BytesIO(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pages_png(data: bytes, tmp_path, name: str) -> list[bytes]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / name)], check=True, timeout=120)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]


def test_a_merged_batch_shares_one_subset_per_face_and_looks_the_same(region, make_review, pdf_text, tmp_path):
    people = [region.person, f.person("赵强", department=region.shikou), f.person("孙丽", department=region.shikou)]
    db.session.commit()
    review = make_review(people)
    parts = [printing.file_document(p, review=review, printed_by=region.hr)[1] for p in people]
    db.session.commit()
    plain = _plain_merge(parts)
    merger = printing.Merger()
    for i, data in enumerate(parts, 1):
        merger.add(f"{i}", data)
    shared = bytes(merger.finish())

    assert merger.fonts == {"faces": 2, "copies": 6, "kept": 0}
    assert len(_font_files(plain)) == 6 and len(_font_files(shared)) == 2      # one subset per face
    assert len(shared) < len(plain) * 0.45
    assert pdf_text(shared) == pdf_text(plain)
    assert _pages_png(shared, tmp_path, "shared") == _pages_png(plain, tmp_path, "plain")   # pixel for pixel


def test_widths_arrays_give_the_glyphs():
    assert _glyphs([1, [500, 500], 10, 12, 600]) == {1, 2, 10, 11, 12}
    assert _glyphs([]) == set() and _glyphs(None) == set()


def test_a_damaged_widths_array_is_refused_and_the_merge_stands():
    """A glyph id with nothing after it: ValueError (share_font_subsets then keeps the face as it was)."""
    with pytest.raises(ValueError, match="after the glyph id 10"):
        _glyphs([1, [500], 10])
