"""A corpus of XSS payloads and a checker that parses HTML the way a browser would."""

from html.parser import HTMLParser

XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    "<img src=x onerror=window.__xss=1>",
    "[clic](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">x</a>',
    "<svg onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "![x](javascript:window.__xss=1)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
    "<details open ontoggle=window.__xss=1>",
    "{{ 7*7 }} {% debug %}",
    "<body onload=window.__xss=1>",
    "`<script>window.__xss=1</script>`",
    "<a href='&#106;avascript:window.__xss=1'>x</a>",
]

FORBIDDEN_TAGS = {"script", "iframe", "svg", "style", "object", "embed", "img", "details", "body"}


# What a whole page of ours legitimately holds: the layout's own body, scripts served from
# /static/ and images (avatars, covers) from /static/ or /media/. A payload can plant none of
# these: it cannot choose an existing same-origin file, and uploads are checked images.
PAGE_OWN_SOURCES = ("/static/", "/media/")
# Elements our own templates use (charts, folding tables and trees); every payload of the
# corpus that plants one also carries an event handler, which is reported on its own.
PAGE_OWN_ELEMENTS = {"svg", "details"}


class _Checker(HTMLParser):
    def __init__(self, *, page: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.page = page
        self.bodies = 0

    def _is_page_own(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if not self.page:
            return False
        if tag == "body":
            self.bodies += 1
            return self.bodies == 1
        if tag in PAGE_OWN_ELEMENTS:
            # Server-drawn charts and disclosure widgets: harmless without an event handler,
            # and every handler is reported below whatever the element.
            return not any(name.startswith("on") for name, _value in attrs)
        src = dict(attrs).get("src") or ""
        return tag in {"script", "img"} and src.startswith(PAGE_OWN_SOURCES)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS and not self._is_page_own(tag, attrs):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action"} and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag}[{name}={value}]")


def dangerous_markup(html: str, *, page: bool = False) -> list[str]:
    """What in this HTML would run script or load active content. `page=True` for a whole
    page rendered by a view: the layout's own body, scripts and images are then expected."""
    checker = _Checker(page=page)
    checker.feed(html)
    return checker.problems
