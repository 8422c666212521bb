from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString

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
