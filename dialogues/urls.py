"""Every dialogue page, by part."""

from django.urls import path

from dialogues.announcements import views as announcements
from dialogues.attribution import views as attribution
from dialogues.chat import views as chat
from dialogues.exports import views as exports
from dialogues.insights import views as insights
from dialogues.meetings import feed_views as calendar_feeds
from dialogues.meetings import live_views
from dialogues.meetings import polls_views as polls
from dialogues.meetings import views as meetings
from dialogues.notifications import views as notifications
from dialogues.overview import views as overview
from dialogues.search import views as search
from dialogues.threads import views as threads

urlpatterns = [
    path("", overview.home, name="home"),
    path("search/", search.search, name="search"),
    path("insights/", insights.insights_page, name="insights"),
    path("insights/chart/<slug:name>.svg", insights.insights_chart, name="insights_chart"),
    path("calendar/<str:token>.ics", calendar_feeds.calendar_feed, name="calendar_feed"),
    path("profile/calendar/reset/", calendar_feeds.calendar_feed_reset, name="calendar_feed_reset"),
    path("live/counts/", overview.live_counts, name="live_counts"),
    # Announcements to the partnership
    path("announcements/", announcements.announcement_list, name="announcement_list"),
    path("announcements/new/", announcements.announcement_create, name="announcement_create"),
    path("announcements/read/", announcements.announcements_read, name="announcements_read"),
    path("announcements/<int:pk>/", announcements.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/edit/", announcements.announcement_edit, name="announcement_edit"),
    path(
        "announcements/<int:pk>/withdraw/",
        announcements.announcement_withdraw,
        name="announcement_withdraw",
    ),
    path("announcements/<int:pk>/read/", announcements.announcement_read, name="announcement_read"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification_open"),
    path(
        "notifications/preferences/",
        notifications.notification_preferences,
        name="notification_preferences",
    ),
    path("w/<slug:slug>/", overview.workspace_detail, name="workspace_detail"),
    path("w/<slug:slug>/mentions/", threads.mention_search, name="mention_search"),
    path("w/<slug:slug>/threads/new/", threads.thread_create, name="thread_create"),
    path("w/<slug:slug>/t/<int:pk>/", threads.thread_detail, name="thread_detail"),
    path("w/<slug:slug>/t/<int:pk>/unread/", threads.thread_first_unread, name="thread_unread"),
    path("w/<slug:slug>/t/<int:pk>/reply/", threads.thread_reply, name="thread_reply"),
    path("w/<slug:slug>/t/<int:pk>/pin/", threads.thread_pin, name="thread_pin"),
    path("w/<slug:slug>/t/<int:pk>/lock/", threads.thread_lock, name="thread_lock"),
    path("w/<slug:slug>/t/<int:pk>/move/", threads.thread_move, name="thread_move"),
    path(
        "w/<slug:slug>/documents/<int:pk>/discuss/",
        threads.document_discuss,
        name="document_discuss",
    ),
    path("w/<slug:slug>/chat/", chat.chat_room, name="chat_room"),
    path("w/<slug:slug>/chat/send/", chat.chat_send, name="chat_send"),
    path("w/<slug:slug>/chat/mute/", chat.chat_mute, name="chat_mute"),
    path("w/<slug:slug>/chat/lock/", chat.chat_lock, name="chat_lock"),
    path("w/<slug:slug>/chat/<int:seq>/edit/", chat.chat_edit, name="chat_edit"),
    path("w/<slug:slug>/chat/<int:seq>/delete/", chat.chat_delete, name="chat_delete"),
    path("w/<slug:slug>/chat/<int:seq>/hide/", chat.chat_hide, name="chat_hide"),
    path("p/<int:pk>/", threads.post_permalink, name="post_permalink"),
    path("p/<int:pk>/edit/", threads.post_edit, name="post_edit"),
    path("p/<int:pk>/delete/", threads.post_delete, name="post_delete"),
    path("p/<int:pk>/hide/", threads.post_hide, name="post_hide"),
    path("p/<int:pk>/react/", threads.post_react, name="post_react"),
    path("p/<int:pk>/history/", threads.post_history, name="post_history"),
    # Dialogue sessions
    path("w/<slug:slug>/sessions/", meetings.session_list, name="session_list"),
    path("w/<slug:slug>/sessions/new/", meetings.session_create, name="session_create"),
    path("w/<slug:slug>/s/<int:pk>/", meetings.session_detail, name="session_detail"),
    path("w/<slug:slug>/s/<int:pk>/edit/", meetings.session_edit, name="session_edit"),
    path(
        "w/<slug:slug>/s/<int:pk>/step/",
        meetings.session_transition,
        name="session_transition",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/calendar.ics",
        meetings.session_calendar,
        name="session_calendar",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/agenda/new/",
        meetings.agenda_item_edit,
        name="agenda_item_create",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/agenda/<int:item>/",
        meetings.agenda_item_edit,
        name="agenda_item_edit",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/agenda/<int:item>/remove/",
        meetings.agenda_item_remove,
        name="agenda_item_remove",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/agenda/<int:item>/move/",
        meetings.agenda_item_move,
        name="agenda_item_move",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/register/",
        meetings.session_register,
        name="session_register",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/attendance/",
        meetings.session_attendance,
        name="session_attendance",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/minutes/<int:item>/",
        meetings.minutes_edit,
        name="minutes_edit",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/minutes/<int:item>/actions/",
        meetings.action_create,
        name="action_create",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/actions/<int:action>/remove/",
        meetings.action_remove,
        name="action_remove",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/actions/<int:action>/done/",
        meetings.action_done,
        name="action_done",
    ),
    path("w/<slug:slug>/s/<int:pk>/share/", meetings.minutes_share, name="minutes_share"),
    path(
        "w/<slug:slug>/s/<int:pk>/comments/",
        meetings.minutes_comment,
        name="minutes_comment",
    ),
    # Scheduling polls of draft sessions
    path("w/<slug:slug>/sessions/polls/", polls.poll_list, name="poll_list"),
    path("w/<slug:slug>/s/<int:session>/poll/", polls.poll_detail, name="poll_detail"),
    path("w/<slug:slug>/s/<int:session>/poll/new/", polls.poll_open, name="poll_open"),
    path("w/<slug:slug>/s/<int:session>/poll/answer/", polls.poll_answer, name="poll_answer"),
    path("w/<slug:slug>/s/<int:session>/poll/grid/", polls.poll_grid, name="poll_grid"),
    path("w/<slug:slug>/s/<int:session>/poll/pick/", polls.poll_pick, name="poll_pick"),
    path("w/<slug:slug>/s/<int:session>/poll/close/", polls.poll_close, name="poll_close"),
    # The session's live room: the same chat views, on the session's room
    path("w/<slug:slug>/s/<int:session>/room/", chat.chat_room, name="session_room"),
    path("w/<slug:slug>/s/<int:session>/room/send/", chat.chat_send, name="session_chat_send"),
    path(
        "w/<slug:slug>/s/<int:session>/room/live/",
        live_views.session_live_action,
        name="session_live_action",
    ),
    path("w/<slug:slug>/s/<int:session>/room/mute/", chat.chat_mute, name="session_chat_mute"),
    path("w/<slug:slug>/s/<int:session>/room/lock/", chat.chat_lock, name="session_chat_lock"),
    path(
        "w/<slug:slug>/s/<int:session>/room/<int:seq>/edit/",
        chat.chat_edit,
        name="session_chat_edit",
    ),
    path(
        "w/<slug:slug>/s/<int:session>/room/<int:seq>/delete/",
        chat.chat_delete,
        name="session_chat_delete",
    ),
    path(
        "w/<slug:slug>/s/<int:session>/room/<int:seq>/hide/",
        chat.chat_hide,
        name="session_chat_hide",
    ),
    # Attribution, unmasking, exports
    path(
        "w/<slug:slug>/attribution/",
        attribution.workspace_attribution,
        name="workspace_attribution",
    ),
    path(
        "w/<slug:slug>/pseudonyms/<int:pk>/unmask/",
        attribution.pseudonym_unmask,
        name="pseudonym_unmask",
    ),
    path("w/<slug:slug>/export.<str:fmt>", exports.workspace_export, name="workspace_export"),
    path(
        "w/<slug:slug>/t/<int:pk>/export.<str:fmt>",
        exports.thread_export,
        name="thread_export",
    ),
    path(
        "w/<slug:slug>/s/<int:pk>/export.<str:fmt>",
        exports.session_export,
        name="session_export",
    ),
]
