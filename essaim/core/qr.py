"""QR codes, drawn as SVG on the server (no image library, no request to anyone else)."""

import io

import segno


def qr_svg(data: str, *, scale: int = 4, border: int = 2) -> str:
    """A standalone SVG document of `data`. It carries the SVG namespace: served as
    image/svg+xml to an <img>, a document without it is not an image and browsers show it
    broken (segno's `svg_inline` leaves the namespace out, for SVG pasted into HTML)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(
        out, kind="svg", scale=scale, border=border, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue().decode()
