from dialogues.notifications.selectors import unread_notification_count


def notifications(request):
    """The bell's count, read when a template first shows it and at most once per request
    (the layout and the notifications page both show it; a fragment that does not, reads
    nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        count = request.__dict__.get("_enclave_unread_notifications")
        if count is None:
            count = request._enclave_unread_notifications = unread_notification_count(user=user)
        return count

    return {"nav_unread_notifications": unread}
