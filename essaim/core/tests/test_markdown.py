import pytest

from essaim.core.markdown import render_markdown
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_render_inert(payload: str) -> None:
    assert dangerous_markup(render_markdown(payload)) == []


def test_checker_catches_live_markup() -> None:
    assert dangerous_markup('<a href="javascript:x()">a</a><img src=x onerror=y()>') == [
        "a[href=javascript:x()]",
        "<img>",
        "img[onerror]",
    ]


def test_markdown_keeps_safe_formatting() -> None:
    html = render_markdown("**gras** et [lien](https://exemple.test)")
    assert "<strong>gras</strong>" in html
    assert 'href="https://exemple.test"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
