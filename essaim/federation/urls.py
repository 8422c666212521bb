from django.urls import URLPattern, URLResolver, path

from essaim.federation import views

app_name = "federation"

urlpatterns: list[URLPattern | URLResolver] = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo_index"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("federation/actor", views.instance_actor, name="instance_actor"),
    path("federation/actor/outbox", views.instance_outbox, name="instance_outbox"),
    path("federation/inbox", views.shared_inbox, name="shared_inbox"),
    path("federation/communities/<slug:slug>/inbox", views.community_inbox, name="inbox"),
    path("federation/communities/<slug:slug>/outbox", views.community_outbox, name="outbox"),
    path(
        "federation/communities/<slug:slug>/followers",
        views.community_followers,
        name="followers",
    ),
    path("federation/people/<slug:handle>/inbox", views.person_inbox, name="person_inbox"),
    path("federation/people/<slug:handle>/outbox", views.person_outbox, name="person_outbox"),
    path(
        "federation/people/<slug:handle>/followers",
        views.person_followers,
        name="person_followers",
    ),
]
