"""Personal data: my data, erasure, the privacy notice. Each feature adds its routes here."""

from django.urls import path

from privacy.erasure import views as erasure
from privacy.my_data import views as my_data
from privacy.notice import views as notice

urlpatterns: list = []

# The privacy notice: public, and its editing page for the Secretariat.
urlpatterns += [
    path("privacy/", notice.privacy_notice, name="privacy_notice"),
    path("privacy/edit/", notice.privacy_notice_edit, name="privacy_notice_edit"),
]

# My data: the official's own export, asked for and downloaded from the account settings.
urlpatterns += [
    path("profile/data/", my_data.my_data, name="my_data"),
    path("profile/data/<slug:key>/download/", my_data.my_data_download, name="my_data_download"),
]

# Erasure that keeps the record: the Secretariat erases a departed official.
urlpatterns += [
    path("membership/officials/<int:pk>/erase/", erasure.official_erase, name="official_erase"),
]
