"""`{% load access_reviews %}` then `{% may_review_access as nav_reviews %}`: whether the reader
sponsors anyone's access (a focal point, the Secretariat, a Co-Chair), for the header's link."""

from django import template

from accounts import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may_review_access(context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and policy.may_review_access(user))
