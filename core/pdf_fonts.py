"""One font subset per face in a merged PDF (issue 19: a 200-file batch was 68.9 MB).

Each PDF WeasyPrint renders embeds its own subset of every face it uses. WeasyPrint subsets
with HarfBuzz keeping the glyph ids of the full font (``RETAIN_GIDS``) and maps CIDs to glyphs
by identity, so the glyph ids in every content stream are the full font's own: the faces of
many files can share ONE subset holding the union of their glyphs. A Noto CJK subset costs
~160 KB even for 300 glyphs (the empty slots of a 65,535-glyph CFF), so 200 files carried
~64 MB of fonts; shared, the faces cost about 1 MB each.

``share_font_subsets(writer)`` (a pypdf PdfWriter holding the merged files, before it is
written) groups the embedded fonts by face (``BaseFont``: WeasyPrint's tag + name, the tag
being an MD5 of the Pango description), collects the glyphs each copy uses (its ``/W`` widths
list every glyph it shows), subsets the face once with the same HarfBuzz steps as WeasyPrint,
points every copy's descriptor at the one stream and empties the old streams. A face is shared
only when this process's fontconfig reproduces exactly the same tag (the same face WeasyPrint
used); anything else is left as it was, so the result is never worse than the plain merge.
The members' own files (their serials and SHA-256) are not touched: this is the merged copy.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from hashlib import md5
from typing import Any

log = logging.getLogger(__name__)

_FONT_FILES = ("/FontFile3", "/FontFile2")
_WEIGHTS = (400, 700, 500, 300, 600, 800, 900, 200, 100, 350)


def _glyphs(widths: Sequence[Any] | None) -> set[int]:
    """The glyph ids of a CIDFont ``/W`` array: ``c [w ...]`` and ``c_first c_last w`` forms
    (pypdf numbers and arrays). A ``c`` with nothing after it is a damaged array: ValueError."""
    out: set[int] = set()
    items = list(widths or [])
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1] if i + 1 < len(items) else None
        if nxt is None:
            raise ValueError(f"/W array ends after the glyph id {first}")
        if isinstance(nxt, list) or hasattr(nxt, "__len__"):
            out.update(range(first, first + len(nxt)))
            i += 2
        else:
            out.update(range(first, int(nxt) + 1))
            i += 3
    return out


def _walk_fonts(writer):
    """(Type0 font dict, CIDFont dict, descriptor) of every embedded CID font on the pages and in
    their form XObjects, each font object once."""
    seen: set[int] = set()

    def resources(res):
        if res is None:
            return
        res = res.get_object()
        for ref in (res.get("/Font") or {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key in seen:
                continue
            seen.add(key)
            font = ref.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            cid = font["/DescendantFonts"][0].get_object()
            descriptor = cid.get("/FontDescriptor")
            if descriptor is not None:
                yield font, cid, descriptor.get_object()
        for ref in (res.get("/XObject") or {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key in seen:
                continue
            seen.add(key)
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form":
                yield from resources(xobject.get("/Resources"))

    for page in writer.pages:
        yield from resources(page.get("/Resources"))


def _weasyprint_name(description) -> bytes:
    """WeasyPrint's font name for a Pango description (weasyprint/pdf/fonts.py: Font.__init__)."""
    import re

    from weasyprint.text.ffi import ffi, pango
    text = ffi.string(pango.pango_font_description_to_string(description))
    tag = "".join(chr(65 + b % 26) for b in md5(text, usedforsecurity=False).digest()[:6])
    return b"/" + tag.encode() + b"+" + re.split(b" [#@]", text)[0].replace(b" ", b"-")


def _find_face(base_font: str, family: str):
    """The HarfBuzz face WeasyPrint embedded as ``base_font``, loaded through the same font
    configuration (core.pdf.font_config); None when no weight/style reproduces the name."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.fonts import get_pango_font_hb_face, get_pango_font_key

    from core.pdf import font_config
    fc = font_config()
    context = ffi.gc(pango.pango_font_map_create_context(fc.font_map), _unref())
    for style in (pango.PANGO_STYLE_NORMAL, pango.PANGO_STYLE_ITALIC, pango.PANGO_STYLE_OBLIQUE):
        for weight in _WEIGHTS:
            desc = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            pango.pango_font_description_set_family(desc, family.encode())
            pango.pango_font_description_set_style(desc, style)
            pango.pango_font_description_set_weight(desc, weight)
            pango.pango_font_description_set_absolute_size(desc, 12 * 1024)
            font = pango.pango_font_map_load_font(fc.font_map, context, desc)
            if font == ffi.NULL:
                continue
            _key, description, _size = get_pango_font_key(font)
            if _weasyprint_name(description).decode() == base_font:
                return get_pango_font_hb_face(font)
    return None


def _unref():
    from weasyprint.text.ffi import gobject
    return gobject.g_object_unref


def _subset(hb_face, glyphs: set[int]) -> bytes | None:
    """``glyphs`` of the face, glyph ids kept (weasyprint/pdf/fonts.py: Font._harfbuzz_subset)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data
    if not harfbuzz_subset or not glyphs:
        return None
    hs = harfbuzz_subset
    inp = ffi.gc(hs.hb_subset_input_create_or_fail(), hs.hb_subset_input_destroy)
    wanted = sorted(glyphs | {0})
    harfbuzz.hb_set_add_sorted_array(hs.hb_subset_input_glyph_set(inp), ffi.new(f"hb_codepoint_t[{len(wanted)}]",
                                                                                  wanted), len(wanted))
    hs.hb_subset_input_set_flags(inp, hs.HB_SUBSET_FLAGS_RETAIN_GIDS | hs.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
                                 | hs.HB_SUBSET_FLAGS_DESUBROUTINIZE | hs.HB_SUBSET_FLAGS_NOTDEF_OUTLINE)
    drop = tuple(harfbuzz.hb_tag_from_string(name, -1) for name in (
        b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))
    harfbuzz.hb_set_add_sorted_array(hs.hb_subset_input_set(inp, hs.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                     ffi.new(f"hb_codepoint_t[{len(drop)}]", sorted(drop)), len(drop))
    first = ffi.gc(hs.hb_subset_or_fail(hb_face, inp), harfbuzz.hb_face_destroy)
    if not first:
        return None
    # second pass: drop the empty slots after the last glyph used (ids unchanged)
    inp2 = ffi.gc(hs.hb_subset_input_create_or_fail(), hs.hb_subset_input_destroy)
    keep = tuple(range(max(wanted) + 1))
    harfbuzz.hb_set_add_sorted_array(hs.hb_subset_input_glyph_set(inp2), ffi.new(f"hb_codepoint_t[{len(keep)}]",
                                                                                   keep), len(keep))
    hs.hb_subset_input_set_flags(inp2, hs.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | hs.HB_SUBSET_FLAGS_DESUBROUTINIZE
                                 | hs.HB_SUBSET_FLAGS_NO_HINTING | hs.HB_SUBSET_FLAGS_NOTDEF_OUTLINE)
    second = ffi.gc(hs.hb_subset_or_fail(first, inp2), harfbuzz.hb_face_destroy)
    data = get_hb_object_data(second) if second else None
    return data or None


def share_font_subsets(writer) -> dict:
    """Make every face of the merged ``writer`` share one subset; returns figures
    ``{"faces": shared, "copies": font streams replaced, "kept": faces left alone}``."""
    from pypdf.generic import DecodedStreamObject, NameObject, NullObject
    groups: dict[str, list] = {}
    for _font, cid, descriptor in _walk_fonts(writer):
        key = next((k for k in _FONT_FILES if k in descriptor), None)
        if key is None:
            continue
        groups.setdefault(str(descriptor.get("/FontName") or cid.get("/BaseFont")), []).append(
            (cid, descriptor, key))
    shared = replaced = kept = 0
    for base_font, copies in groups.items():
        if len(copies) < 2:
            continue
        try:
            family = str(copies[0][1].get("/FontFamily") or "")
            face = _find_face(base_font, family) if family else None
            glyphs: set[int] = set()
            for cid, _descriptor, _key in copies:
                glyphs |= _glyphs(cid.get("/W"))
            data = _subset(face, glyphs) if face is not None else None
        except Exception:  # noqa: BLE001 - sharing is an optimisation: the plain merge stands
            log.exception("font subset sharing failed for %s", base_font)
            data = None
        if not data:
            kept += 1
            continue
        key = copies[0][2]
        stream = DecodedStreamObject()
        stream.set_data(data)
        if key == "/FontFile3":
            stream[NameObject("/Subtype")] = NameObject("/OpenType")
        ref = writer._add_object(stream.flate_encode())   # noqa: SLF001 - pypdf's way to add an object
        old = set()
        for _cid, descriptor, k in copies:
            previous = descriptor.get(k)
            if getattr(previous, "idnum", None):
                old.add(previous.idnum)
            del descriptor[NameObject(k)]
            descriptor[NameObject(key)] = ref
        for idnum in old:                                   # the members' own subsets: no longer used
            writer._objects[idnum - 1] = NullObject()       # noqa: SLF001
        shared += 1
        replaced += len(old)
    return {"faces": shared, "copies": replaced, "kept": kept}
