from django.urls import URLPattern, URLResolver, path

from essaim.communities import views

app_name = "communities"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("join/<str:token>/", views.community_join_by_invitation, name="invitation"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/share.png", views.community_share_image, name="share_image"),
    path("<slug:slug>/edit/", views.community_edit, name="edit"),
    path("<slug:slug>/join/", views.community_join, name="join"),
    path("<slug:slug>/leave/", views.community_leave, name="leave"),
    path("<slug:slug>/follow/", views.community_follow, name="follow"),
    path("<slug:slug>/unfollow/", views.community_unfollow, name="unfollow"),
    path("<slug:slug>/members/", views.member_list, name="members"),
    path(
        "<slug:slug>/members/<int:pk>/approve/",
        views.membership_decide,
        {"decision": "approve"},
        name="approve",
    ),
    path(
        "<slug:slug>/members/<int:pk>/decline/",
        views.membership_decide,
        {"decision": "decline"},
        name="decline",
    ),
    path("<slug:slug>/members/<int:pk>/role/", views.membership_role, name="role"),
    path("<slug:slug>/invitation/", views.invitation_rotate, name="rotate_invitation"),
    path("<slug:slug>/posts/", views.post_create, name="post_create"),
    path("<slug:slug>/posts/<int:pk>/", views.post_detail, name="post"),
    path("<slug:slug>/posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("<slug:slug>/posts/<int:pk>/like/", views.post_like, name="like"),
    path("<slug:slug>/posts/<int:pk>/unlike/", views.post_unlike, name="unlike"),
    path(
        "<slug:slug>/posts/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
]
