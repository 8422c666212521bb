from django.urls import URLPattern, URLResolver, path

from essaim.campaigns.views import (
    actions,
    campaigns,
    contacts,
    events,
    guest,
    guest_data,
    invalidation,
    proof_of_work,
)

app_name = "campaigns"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", campaigns.campaign_list, name="list"),
    path("new/", campaigns.campaign_create, name="create"),
    path("invitations/<int:pk>/", campaigns.host_answer, name="host_answer"),
    path("payments/<str:provider_name>/webhook/", actions.payment_webhook, name="payment_webhook"),
    path("events/near/", events.events_near, name="events_near"),
    path("<slug:slug>/", campaigns.campaign_detail, name="detail"),
    path("<slug:slug>/share.png", campaigns.campaign_share_image, name="share_image"),
    path("<slug:slug>/manage/", campaigns.campaign_manage, name="manage"),
    path(
        "<slug:slug>/manage/contacts.csv",
        contacts.guest_contacts_export,
        name="guest_contacts",
    ),
    path("<slug:slug>/manage/signatures/", invalidation.invalidations, name="invalidations"),
    path(
        "<slug:slug>/manage/signatures/<int:pk>/restore/",
        invalidation.invalidation_restore,
        name="invalidation_restore",
    ),
    path("<slug:slug>/status/", campaigns.campaign_status, name="status"),
    path("<slug:slug>/follow/", campaigns.campaign_follow, name="follow"),
    path("<slug:slug>/unfollow/", campaigns.campaign_unfollow, name="unfollow"),
    path("<slug:slug>/updates/", campaigns.update_create, name="update_create"),
    path("<slug:slug>/updates/<int:pk>/", campaigns.update_detail, name="update"),
    path("<slug:slug>/updates/<int:pk>/like/", campaigns.update_like, name="update_like"),
    path("<slug:slug>/sign/", actions.pledge_sign, name="sign"),
    path("<slug:slug>/unsign/", actions.pledge_unsign, name="unsign"),
    path("<slug:slug>/sign/guest/", guest.guest_sign, name="guest_sign"),
    path("<slug:slug>/sign/guest/thanks/", guest.guest_signed, name="guest_signed"),
    path("<slug:slug>/confirm/<str:token>/", guest.guest_confirm, name="guest_confirm"),
    path(
        "<slug:slug>/proof-of-work/<str:form>/",
        proof_of_work.proof_challenge,
        name="proof_challenge",
    ),
    path("<slug:slug>/challenge/join/guest/", guest.guest_join, name="guest_join"),
    path("<slug:slug>/events/<int:pk>/rsvp/guest/", guest.guest_rsvp, name="guest_rsvp"),
    path("<slug:slug>/give/guest/", guest.guest_give, name="guest_give"),
    path("<slug:slug>/give/in-kind/guest/", guest.guest_in_kind, name="guest_in_kind"),
    path(
        "<slug:slug>/guest/<str:kind>/<int:pk>/thanks/",
        guest.guest_pending,
        name="guest_pending",
    ),
    path("<slug:slug>/ticket/<str:token>/", guest.guest_ticket, name="guest_ticket"),
    path(
        "<slug:slug>/ticket/<str:token>/code.svg", guest.guest_ticket_code, name="guest_ticket_code"
    ),
    path("<slug:slug>/check-in/<str:token>/", guest.guest_check_in, name="guest_check_in"),
    path("<slug:slug>/challenge/join/", actions.challenge_join, name="challenge_join"),
    path("<slug:slug>/challenge/check-in/", actions.challenge_check_in, name="check_in"),
    path("<slug:slug>/give/", actions.give, name="give"),
    path("<slug:slug>/ledger/", actions.fundraiser_ledger, name="ledger"),
    path("<slug:slug>/ledger/<int:pk>/refund/", actions.donation_refund, name="refund"),
    path("<slug:slug>/in-kind/", actions.in_kind_create, name="in_kind_create"),
    path("<slug:slug>/in-kind/<int:pk>/deliver/", actions.in_kind_deliver, name="in_kind_deliver"),
    path("<slug:slug>/calendar.ics", events.campaign_ical, name="ical"),
    path("<slug:slug>/events/new/", events.event_create, name="event_create"),
    path("<slug:slug>/events/<int:pk>/", events.event_detail, name="event"),
    path(
        "<slug:slug>/events/<int:pk>/share.png", events.event_share_image, name="event_share_image"
    ),
    path("<slug:slug>/events/<int:pk>/rsvp/", events.rsvp, name="rsvp"),
    path("<slug:slug>/events/<int:pk>/cancel/", events.rsvp_cancel, name="rsvp_cancel"),
    path("<slug:slug>/events/<int:pk>/decide/", events.event_decide, name="event_decide"),
    path("<slug:slug>/events/<int:pk>/capacity/", events.event_capacity, name="event_capacity"),
    path("<slug:slug>/events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    path("<slug:slug>/events/<int:pk>/call-off/", events.event_cancel, name="event_call_off"),
    path("<slug:slug>/events/<int:pk>/attendance/", events.attendance, name="attendance"),
    path("<slug:slug>/events/<int:pk>/results/", events.event_results, name="event_results"),
    path("<slug:slug>/events/<int:pk>/ticket.svg", events.my_ticket, name="ticket"),
    path("<slug:slug>/events/<int:pk>/event.ics", events.event_ical, name="event_ical"),
    # Last: a campaign may be called "guest-data", and a token never is "manage", "status"…
    path("guest-data/<str:token>/", guest_data.guest_data, name="guest_data"),
    path("guest-data/<str:token>/export/", guest_data.guest_data_export, name="guest_data_export"),
]
