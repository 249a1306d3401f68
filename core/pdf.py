"""render_pdf(template, **ctx) -> bytes, the one way this application makes PDFs.

- one FontConfiguration per process, reused (font discovery costs more than rendering), and
  one parsed CSS object per stylesheet text (``stylesheet``);
- a URL fetcher that accepts ``data:`` URIs only: no ``file://`` (local files), no network;
- stylesheets are passed as strings from templates/pdf/, images as data URIs (QR codes);
- user text reaches the PDF only through Jinja autoescaping;
- fonts are subset by HarfBuzz (``libharfbuzz-subset0``); ``harfbuzz_subset_available()``
  says whether it is there (checked loudly at start-up).
"""
from __future__ import annotations

import base64
import ctypes.util
import functools
import hashlib
import io
import threading

from flask import current_app, render_template

_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


@functools.lru_cache(maxsize=1)
def font_config():
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()


@functools.lru_cache(maxsize=1)
def url_fetcher():
    from weasyprint.urls import URLFetcher
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def font_stacks() -> dict:
    return {"body_font": current_app.config["PDF_FONT_STACK"],
            "heading_font": current_app.config["PDF_HEADING_FONT_STACK"]}


@functools.lru_cache(maxsize=16)
def stylesheet(css: str):
    """The parsed stylesheet of a CSS text, reused by every document that uses it (parsing and
    preprocessing base.css costs ~10 ms of CPU per document; a CSS object is read-only once built).
    Keyed by the rendered text, so a changed font stack is a new entry."""
    from weasyprint import CSS
    return CSS(string=css, font_config=font_config(), url_fetcher=url_fetcher())


def render_html(html: str, stylesheets: tuple[str, ...] = ()) -> bytes:
    from weasyprint import HTML
    fc = font_config()
    css = [stylesheet(s) for s in stylesheets]
    doc = HTML(string=html, base_url="data:,", url_fetcher=url_fetcher())
    return doc.write_pdf(stylesheets=css, font_config=fc, uncompressed_pdf=False)


def render_pdf(template: str, *, stylesheet: str = "pdf/base.css", **ctx) -> bytes:
    """Render a Jinja template (under templates/pdf/) to PDF bytes."""
    html = render_template(template, **font_stacks(), **ctx)
    css = render_template(stylesheet, **font_stacks(), **ctx) if stylesheet else ""
    return render_html(html, (css,) if css else ())


def qr_data_uri(text: str, box_size: int = 4) -> str:
    """A QR code as a PNG data URI (for <img src> in PDF templates)."""
    import qrcode
    # a fixed mask pattern (any of the eight is valid and scans): choosing the "best" one
    # renders the code eight times, ~4x the cost, once per document of a batch (issue 19)
    code = qrcode.QRCode(box_size=box_size, border=1, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    img = code.make_image()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
