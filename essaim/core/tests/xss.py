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


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action"} and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{tag}[{name}={value}]")


def dangerous_markup(html: str) -> list[str]:
    """What in this HTML fragment would run script or load active content."""
    checker = _Checker()
    checker.feed(html)
    return checker.problems
