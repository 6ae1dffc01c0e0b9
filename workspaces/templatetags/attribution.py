"""`{% load attribution %}` then `{% with who=attribution|speaker:post.author %}` and
`{{ attribution|mentions:message.body_html }}`."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def speaker(attribution, user):
    """The label for `user` under the page's attribution (names only where the mode allows)."""
    if attribution is None:  # a page outside any workspace context never names by accident
        raise ValueError("speaker needs an attribution in the template context")
    return attribution.speaker(user)


@register.filter
def mentions(attribution, html):
    """Stored HTML with its @mentions as the page's attribution shows people."""
    if attribution is None:
        raise ValueError("mentions needs an attribution in the template context")
    return mark_safe(attribution.mentions_html(html))  # noqa: S308 - stored, sanitized HTML
