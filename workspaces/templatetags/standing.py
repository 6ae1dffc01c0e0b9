"""`{% load standing %}` then `{% platform_standing as mine %}` (the account menu) or
`{% workspace_standing workspace as here %}` (a dialogue's header): the reader's standing, as
the policy words it (label and one sentence), for the signed-in reader of the page; and
`{% dialogue_insights workspace as open %}`, whether the dialogue's figures are theirs to read."""

from django import template

from workspaces.access import may_read_dialogue_insights
from workspaces.access import platform_standing as _platform_standing
from workspaces.access import workspace_standing as _workspace_standing

register = template.Library()


def _reader(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def platform_standing(context):
    user = _reader(context)
    return _platform_standing(user) if user is not None else None


@register.simple_tag(takes_context=True)
def workspace_standing(context, workspace):
    user = _reader(context)
    return _workspace_standing(user, workspace) if user is not None else None


@register.simple_tag(takes_context=True)
def dialogue_insights(context, workspace) -> bool:
    """Whether the reader may open this dialogue's participation figures (the Insights tab)."""
    user = _reader(context)
    return user is not None and may_read_dialogue_insights(user, workspace)
