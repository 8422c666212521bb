"""This instance's actors and their keys, and the remote actors it meets (fetched through the
guarded client, cached, fetched again when a signature no longer matches)."""

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from essaim.accounts.models import User
from essaim.communities.models import Community
from essaim.core.writes import insert_or_get
from essaim.federation import client, documents, signatures
from essaim.federation.models import DomainBlock, LocalActor, RemoteActor

# A cached actor is trusted this long; a signature that fails refetches it at once.
ACTOR_CACHE = timedelta(days=2)


def is_federated(community: Community) -> bool:
    """Private communities are never federated: only their name is public, even here."""
    return not community.is_private


def _local(kind: str, community: Community | None, user: User | None = None) -> LocalActor:
    existing = LocalActor.objects.filter(kind=kind, community=community, user=user).first()
    if existing is not None:
        return existing
    private, public = signatures.new_key_pair()
    # Made by a concurrent request meanwhile: theirs is the key.
    actor, _created = insert_or_get(
        LocalActor(
            kind=kind,
            community=community,
            user=user,
            name=user.handle if user is not None else "",
            private_key_pem=private,
            public_key_pem=public,
        ),
        unique=["kind", "community", "user"],
    )
    return actor


def instance_keys() -> LocalActor:
    return _local(LocalActor.Kind.INSTANCE, None)


def group_keys(community: Community) -> LocalActor:
    return _local(LocalActor.Kind.GROUP, community)


def person_keys(user: User) -> LocalActor:
    return _local(LocalActor.Kind.PERSON, None, user)


def person_actor(user_id: int) -> LocalActor | None:
    """A person's actor row if they ever opted in (kept after they opt out: 410, not 404)."""
    return LocalActor.objects.filter(kind=LocalActor.Kind.PERSON, user_id=user_id).first()


def was_person(handle: str) -> bool:
    """Whether `handle` named a person's actor once."""
    return LocalActor.objects.filter(kind=LocalActor.Kind.PERSON, name=handle).exists()


def person_signer(actor: LocalActor) -> client.Signer:
    return client.Signer(
        key_id=documents.key_id(documents.person_id(actor.name)),
        private_key_pem=actor.private_key_pem,
    )


def instance_signer() -> client.Signer:
    return client.Signer(
        key_id=documents.key_id(documents.instance_id()),
        private_key_pem=instance_keys().private_key_pem,
    )


def group_signer(community: Community) -> client.Signer:
    return client.Signer(
        key_id=documents.key_id(documents.community_id(community)),
        private_key_pem=group_keys(community).private_key_pem,
    )


def domain_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _with_parents(domain: str) -> list[str]:
    """`domain` and every domain it is under (a block covers the subdomains)."""
    labels = domain.lower().rstrip(".").split(".")
    return [".".join(labels[index:]) for index in range(len(labels))]


def is_blocked(domain: str) -> bool:
    """Whether `domain`, or a domain it is under, is blocked."""
    return DomainBlock.objects.filter(domain__in=_with_parents(domain)).exists()


def blocked_among(domains: set[str]) -> set[str]:
    """Which of `domains` are blocked, in one query (for many followers at once)."""
    parents = {domain: _with_parents(domain) for domain in domains}
    blocked = set(
        DomainBlock.objects.filter(
            domain__in={parent for chain in parents.values() for parent in chain}
        ).values_list("domain", flat=True)
    )
    return {domain for domain, chain in parents.items() if blocked.intersection(chain)}


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _store(document: dict[str, Any], uri: str) -> RemoteActor:
    """Write what an actor document says; raises FetchError if it is not a usable actor."""
    if document.get("id") != uri:
        raise client.FetchError("the document is not the actor asked for")
    key = document.get("publicKey")
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict)), None)
    inbox = document.get("inbox")
    if not isinstance(key, dict) or not isinstance(inbox, str) or not client.is_http_url(inbox):
        raise client.FetchError("not an actor with a key and an inbox")
    if key.get("owner") != uri or not isinstance(key.get("publicKeyPem"), str):
        raise client.FetchError("the key is not the actor's")
    if domain_of(inbox) != domain_of(uri):
        raise client.FetchError("the inbox is on another server")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    if not isinstance(shared, str) or domain_of(shared) != domain_of(uri):
        shared = ""
    values = {
        "domain": domain_of(uri),
        "inbox": inbox,
        "shared_inbox": shared,
        "key_id": _text(key.get("id"), 500) or uri,
        "public_key_pem": key["publicKeyPem"][:5000],
        "username": _text(document.get("preferredUsername"), 100),
        "name": _text(document.get("name"), 100),
        "url": _text(document.get("url"), 500)
        if client.is_http_url(str(document.get("url")))
        else "",
        "fetched_at": timezone.now(),
    }
    actor, _created = RemoteActor.objects.update_or_create(uri=uri, defaults=values)
    return actor


def remote_actor(uri: str, *, refresh: bool = False) -> RemoteActor:
    """The actor at `uri`, from the cache while fresh, else fetched (signed by the instance).
    Raises FetchError for a blocked server, a refused address, or a document that is not an
    actor."""
    domain = domain_of(uri)
    if not client.is_http_url(uri) or is_blocked(domain):
        raise client.FetchError("refused actor address")
    cached = RemoteActor.objects.filter(uri=uri).first()
    if cached and not refresh and cached.fetched_at > timezone.now() - ACTOR_CACHE:
        return cached
    return _store(client.fetch(uri, instance_signer()), uri)


def actor_for_key(key_id: str, *, refresh: bool = False) -> RemoteActor:
    """The actor that owns the key `key_id` (an actor's URL with a fragment, as servers send)."""
    if not refresh:
        cached = RemoteActor.objects.filter(key_id=key_id).first()
        if cached and cached.fetched_at > timezone.now() - ACTOR_CACHE:
            return cached
    return remote_actor(key_id.split("#", 1)[0], refresh=True)


def stand_in(actor: RemoteActor) -> User:
    """The local account a remote actor's comments and RSVPs are written under: no password,
    an address under .invalid that no mail reaches, a new account for the trust rules."""
    if actor.user_id is not None:
        assert actor.user is not None
        return actor.user
    digest = hashlib.sha256(actor.uri.encode()).hexdigest()[:20]
    with transaction.atomic():
        locked = RemoteActor.objects.select_for_update().get(pk=actor.pk)
        if locked.user_id is None:
            name = actor.name or actor.username or actor.domain
            user = User(
                email=f"{digest}@remote.invalid",
                handle=f"fedi-{digest}",
                display_name=f"{name} ({actor.username}@{actor.domain})"[:80],
            )
            user.set_unusable_password()
            user.save()
            locked.user = user
            locked.save(update_fields=["user", "updated_at"])
        actor.user = locked.user
        actor.user_id = locked.user_id
    assert actor.user is not None
    return actor.user
