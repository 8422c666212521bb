"""Reading the SVG the app draws, in tests."""

from xml.etree import ElementTree

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def svg_root_tag(document: bytes | str) -> str:
    """The qualified tag of the document's root: `{http://www.w3.org/2000/svg}svg` for an
    image a browser displays, bare `svg` for one it shows broken."""
    # Our own drawing, not untrusted input.
    return ElementTree.fromstring(document).tag  # noqa: S314
