from django import template
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from essaim.core.images import cover_variants
from essaim.core.markdown import render_markdown
from essaim.core.parts import Part

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_replace(context: template.Context, **kwargs: object) -> str:
    """The current query string with some parameters replaced (pagination links keep filters)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


@register.simple_tag(takes_context=True)
def render_part(context: template.Context, part: Part) -> SafeString:
    """A part another domain contributed to this page (core.parts): its template, rendered with
    the page's context (request, user, CSRF token) and the part's own."""
    included = context.template.engine.get_template(part.template) if context.template else None
    if included is None:
        raise template.TemplateSyntaxError("render_part needs a template's context")
    with context.push(part.context):
        return SafeString(included.render(context))


@register.simple_tag
def cover_image(
    file: FieldFile | None, alt: str = "", sizes: str = "100vw", eager: bool = False
) -> SafeString:
    """An uploaded cover as a responsive <img>: every stored width in `srcset` (see
    core.images.store_cover), lazy unless `eager` (the first screen's picture), with its
    width and height so the page does not jump when it arrives. Empty without a file."""
    if not file:
        return SafeString("")
    variants = cover_variants(file.name or "")
    if not variants:
        return format_html(
            '<img src="{}" alt="{}" loading="{}" decoding="async">',
            file.url,
            alt,
            "eager" if eager else "lazy",
        )
    largest_name, width, height = variants[-1]
    srcset = ", ".join(f"{file.storage.url(name)} {w}w" for name, w, _ in variants)
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="{}"'
        ' decoding="async">',
        file.storage.url(largest_name if len(variants) == 1 else variants[1][0]),
        srcset,
        sizes,
        width,
        height,
        alt,
        "eager" if eager else "lazy",
    )
