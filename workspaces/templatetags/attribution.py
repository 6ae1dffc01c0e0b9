"""`{% load attribution %}` then `{% with who=attribution|speaker:post.author %}`."""

from django import template

register = template.Library()


@register.filter
def speaker(attribution, user):
    """The label for `user` under the page's attribution (names only where the mode allows)."""
    if attribution is None:  # a page outside any workspace context never names by accident
        raise ValueError("speaker needs an attribution in the template context")
    return attribution.speaker(user)
