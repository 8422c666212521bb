"""The federation's doors: discovery (WebFinger, NodeInfo), the actors and their collections,
the inboxes, and the ActivityStreams form of pages (see `middleware`). Thin: each parses and
calls `documents`, `inbox` or `selectors`."""

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from essaim.accounts.models import User
from essaim.communities.models import Community
from essaim.core.site import absolute_url, site_hostname
from essaim.federation import actors, documents, inbox, selectors
from essaim.federation.client import ACTIVITY_JSON

JRD = "application/jrd+json"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


def activity_response(document: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(document), content_type=f"{ACTIVITY_JSON}; charset=utf-8", status=status
    )


def _detail(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    """`acct:name@host` (or the actor's URL) of a public community or of a person who opted
    in (one namespace: `core.names`), and of the instance actor."""
    resource = request.GET.get("resource", "")
    if not resource:
        return _detail(400, "resource is required")
    community = selectors.community_for_resource(resource)
    person = None if community is not None else selectors.person_for_resource(resource)
    if community is not None:
        subject, actor = (
            f"acct:{community.slug}@{site_hostname()}",
            documents.community_id(community),
        )
        page = actor
    elif person is not None:
        subject, actor = (
            f"acct:{person.handle}@{site_hostname()}",
            documents.person_id(person.handle),
        )
        page = actor
    elif resource in (f"acct:{site_hostname()}@{site_hostname()}", documents.instance_id()):
        subject, actor, page = (
            f"acct:{site_hostname()}@{site_hostname()}",
            documents.instance_id(),
            absolute_url("/"),
        )
    else:
        return _detail(404, "no such actor")
    answer = {
        "subject": subject,
        "aliases": [actor],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": page},
        ],
    }
    response = HttpResponse(json.dumps(answer), content_type=JRD)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def nodeinfo_index(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {"links": [{"rel": NODEINFO_SCHEMA, "href": absolute_url(reverse("federation:nodeinfo"))}]}
    )


@require_GET
def nodeinfo(request: HttpRequest) -> HttpResponse:
    usage = selectors.usage()
    document = {
        "version": "2.1",
        "software": {
            "name": "essaim",
            "version": "0.1.0",
            "homepage": absolute_url("/"),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": True,
        "usage": usage,
        "metadata": {"nodeName": site_hostname()},
    }
    return JsonResponse(document, content_type=f'application/json; profile="{NODEINFO_SCHEMA}#"')


@require_GET
def instance_actor(request: HttpRequest) -> HttpResponse:
    return activity_response(documents.instance_actor(actors.instance_keys().public_key_pem))


@require_GET
def instance_outbox(request: HttpRequest) -> HttpResponse:
    return activity_response(
        documents.collection(absolute_url(reverse("federation:instance_outbox")), 0)
    )


def _federated_community(slug: str) -> Community:
    community = get_object_or_404(Community, slug=slug)
    if not actors.is_federated(community):
        # The same answer as an unknown address: a private community is not an actor.
        raise Http404("no such actor")
    return community


@require_GET
def community_outbox(request: HttpRequest, slug: str) -> HttpResponse:
    community = _federated_community(slug)
    return activity_response(
        documents.collection(
            documents.community_url(community, "outbox"), selectors.public_post_count(community)
        )
    )


@require_GET
def community_followers(request: HttpRequest, slug: str) -> HttpResponse:
    """By count only: who follows a community is theirs to say."""
    community = _federated_community(slug)
    return activity_response(
        documents.collection(
            documents.community_url(community, "followers"),
            selectors.remote_follower_count(community),
        )
    )


def _inbox(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _detail(400, "bad Content-Length")
    if length > inbox.MAX_BODY_BYTES:
        return _detail(413, "the activity is too large")
    body = request.read(inbox.MAX_BODY_BYTES + 1)
    if len(body) > inbox.MAX_BODY_BYTES:
        return _detail(413, "the activity is too large")
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers.setdefault("host", request.get_host())
    status, detail = inbox.handle(
        method=request.method or "POST",
        path=request.get_full_path(),
        headers=headers,
        body=body,
    )
    return _detail(status, detail)


@csrf_exempt
@require_POST
def shared_inbox(request: HttpRequest) -> HttpResponse:
    return _inbox(request)


@csrf_exempt
@require_POST
def community_inbox(request: HttpRequest, slug: str) -> HttpResponse:
    _federated_community(slug)
    return _inbox(request)


def _federated_person(handle: str) -> User:
    person = selectors.federated_person(handle)
    if person is None:
        raise Http404("no such actor")
    return person


@require_GET
def person_outbox(request: HttpRequest, handle: str) -> HttpResponse:
    person = _federated_person(handle)
    return activity_response(
        documents.collection(
            documents.person_url(handle, "outbox"), selectors.person_public_post_count(person)
        )
    )


@require_GET
def person_followers(request: HttpRequest, handle: str) -> HttpResponse:
    person = _federated_person(handle)
    return activity_response(
        documents.collection(
            documents.person_url(handle, "followers"), selectors.person_follower_count(person)
        )
    )


@csrf_exempt
@require_POST
def person_inbox(request: HttpRequest, handle: str) -> HttpResponse:
    _federated_person(handle)
    return _inbox(request)


# The ActivityStreams form of HTML pages, served by `middleware` on content negotiation.


def person_document(request: HttpRequest, handle: str) -> HttpResponse:
    """A person's profile as a `Person`, if they opted in; 410 Gone once they opted out (the
    servers that cached it drop it); 404 for everyone else, the same as no such page."""
    person = selectors.federated_person(handle)
    if person is not None:
        return activity_response(
            documents.person(person, actors.person_keys(person).public_key_pem)
        )
    if actors.was_person(handle):
        return _detail(410, "this person left the fediverse")
    return _detail(404, "no such actor")


def community_document(request: HttpRequest, slug: str) -> HttpResponse:
    community = _federated_community(slug)
    return activity_response(
        documents.group(community, actors.group_keys(community).public_key_pem)
    )


def post_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    post = selectors.federated_post(slug=slug, pk=pk)
    if post is None:
        return _detail(404, "no such object")
    return activity_response({"@context": documents.CONTEXT, **documents.note(post)})


def event_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    found = selectors.federated_event(slug=slug, pk=pk)
    if found is None:
        return _detail(404, "no such object")
    event, community, participants = found
    return activity_response(
        {"@context": documents.CONTEXT, **documents.event(event, community, participants)}
    )
