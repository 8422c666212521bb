"""QR codes are SVG images a browser displays."""

import pytest

from essaim.core.qr import qr_svg
from essaim.core.tests.svg import SVG_NAMESPACE, svg_root_tag


@pytest.mark.parametrize("data", ["https://essaim.example/r/abc", "é" * 40])
def test_a_qr_code_is_an_svg_document_in_the_svg_namespace(data: str) -> None:
    svg = qr_svg(data, scale=4)
    assert svg_root_tag(svg) == f"{{{SVG_NAMESPACE}}}svg"
    assert not svg.startswith("<?xml")
