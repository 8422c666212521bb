"""Input and output schemas of API v1. Output schemas name every field they show: nothing
reaches a client by accident (an e-mail address appears in `Me` alone, for its owner)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Header, Path, Schema
from pydantic import AwareDatetime

from essaim.campaigns.services.fundraising import (
    MAX_DONATION,
    MAX_IN_KIND_QUANTITY,
    MAX_IN_KIND_VALUE,
)

# A NUL byte in a query or a header is a 422, not a database error later. Bodies follow the
# forms' whole rule instead (essaim.api.api.StorableTextParser: a 400 before any schema).
NO_NUL = r"^[^\x00]*$"
SLUG = r"^[-a-zA-Z0-9_]+$"


Slug = Annotated[str, Path(..., max_length=100, pattern=SLUG)]
# Ids fit the database's 64-bit integers: a larger one is a 422, not an overflow.
Id = Annotated[int, Path(..., ge=1, le=2**63 - 1)]
# A gift's key in its header (or `idempotency_key` in the body): one key is one gift.
IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=64,
        pattern=NO_NUL,
        description="A UUID, one per gift (or idempotency_key in the body).",
    ),
]


# A share code (relay): at most 16 characters, see essaim/relay/services.link_resolve.
Via = Field(
    "",
    max_length=16,
    pattern=SLUG + "|^$",
    description="Share code that brought you (credits a relay).",
)


# The models' choices, spelled out: enums of the same name (Category, Status) would collide in
# the OpenAPI components. tests/test_schemas.py keeps these equal to the models' choices.
CampaignCategory = Literal[
    "environment", "solidarity", "refugees", "health", "education", "rights", "culture", "other"
]
CampaignStatus = Literal["draft", "live", "closed"]
ListingKind = Literal["offer", "request"]
ListingCategory = Literal[
    "goods", "service", "housing", "job", "internship", "advice", "information"
]
ListingStatus = Literal["open", "promised", "done", "withdrawn", "expired"]


class Error(Schema):
    detail: str


ERRORS: dict[int, type[Error]] = {
    status: Error for status in (400, 401, 403, 404, 409, 422, 429, 503)
}


class Person(Schema):
    handle: str
    display_name: str
    url: str


class TokenInfo(Schema):
    name: str
    scope: str
    prefix: str


class Me(Schema):
    handle: str
    display_name: str
    email: str
    language: str
    url: str
    token: TokenInfo | None


# Communities -----------------------------------------------------------------------------


class Community(Schema):
    slug: str
    name: str
    visibility: str
    join_mode: str
    url: str
    is_member: bool
    # What outsiders of a private community do not see, as on its page: null for them.
    city: str | None
    description: str | None
    charter: str | None
    member_count: int | None


class Membership(Schema):
    community: str
    role: str
    status: str


class Post(Schema):
    id: int
    community: str
    author: Person
    body: str
    created_at: datetime
    moderation: str
    like_count: int
    comment_count: int
    liked_by_me: bool
    url: str


class PostIn(Schema):
    body: str = Field(..., max_length=10000)


class Like(Schema):
    post: int
    liked: bool
    like_count: int


# Mutual aid ------------------------------------------------------------------------------


class Listing(Schema):
    id: int
    kind: str
    category: str
    title: str
    body: str
    place: str
    status: str
    moderation: str
    community: str | None
    author: Person
    expires_at: datetime | None
    created_at: datetime
    url: str


class ListingIn(Schema):
    kind: ListingKind
    category: ListingCategory
    title: str = Field(..., max_length=120)
    body: str = Field("", max_length=5000)
    place: str = Field("", max_length=120)
    community: str | None = Field(None, max_length=100, pattern=SLUG, description="Community slug.")
    # A naive time names no instant: a 422 here, not a guess or a server error later.
    expires_at: AwareDatetime | None = Field(
        None, description="With its offset: 2030-01-01T00:00:00+01:00, or …Z for UTC."
    )


class ListingStatusIn(Schema):
    status: ListingStatus


# Campaigns -------------------------------------------------------------------------------


class Host(Schema):
    name: str
    kind: Literal["person", "community"]
    slug: str


class CampaignItem(Schema):
    slug: str
    title: str
    summary: str
    category: str
    status: str
    starts_on: date | None
    ends_on: date | None
    created_at: datetime
    url: str


class CampaignCounts(Schema):
    signatures: int | None
    participants: int | None
    events: int
    raised: int | None
    currency: str


class CampaignDetail(CampaignItem):
    body: str
    hosts: list[Host]
    counts: CampaignCounts
    actions: list[Literal["pledge", "challenge", "events", "fundraiser"]]
    can_act: bool
    is_host: bool
    is_following: bool


class PledgeOut(Schema):
    text: str
    count: int
    goal: int
    percent: int
    signed: bool
    show_name: bool
    set_aside: bool = Field(
        description=(
            "The caller's signature was set aside by the campaign's hosts or the moderators "
            "as part of a suspicious batch: it is not counted and cannot be withdrawn."
        )
    )
    recent: list[Person]


class SignIn(Schema):
    show_name: bool = False
    via: str = Via


class ChallengeDayOut(Schema):
    date: date
    prompt: str
    tip: str


class Progress(Schema):
    joined: bool
    days_done: int
    streak: int
    checked_today: bool
    checked_yesterday: bool


class ChallengeOut(Schema):
    starts_on: date
    ends_on: date
    participants: int
    check_ins: int
    day_number: int
    length: int
    running: bool
    today: ChallengeDayOut | None
    progress: Progress


class JoinIn(Schema):
    via: str = Via


class CheckInIn(Schema):
    day: Literal["today", "yesterday"] = "today"


class CheckInOut(Schema):
    date: date
    progress: Progress


class MyRsvp(Schema):
    status: str
    waitlist_rank: int | None


class EventOut(Schema):
    id: int
    title: str
    description: str
    address: str
    city: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: str
    confirmed: int
    waiting: int
    url: str


class EventDetail(EventOut):
    my_rsvp: MyRsvp | None


class RsvpIn(Schema):
    via: str = Via


class RsvpCancelled(Schema):
    cancelled: bool


class Totals(Schema):
    """Amounts in minor units (cents) of `currency`."""

    currency: str
    goal: int
    donations: int = Field(..., description="Money received.")
    donors: int
    in_kind: int = Field(
        ..., description="Declared value of goods pledged and delivered; counts toward the goal."
    )
    in_kind_promised: int = Field(
        ..., description="Declared value of goods promised, not yet delivered; not counted yet."
    )
    partners: int = Field(..., description="Partners who pledged goods (not cancelled).")
    total: int = Field(..., description="Toward the goal: donations + in_kind.")
    percent: int


class LedgerEntry(Schema):
    id: int
    amount: int
    currency: str
    donor_name: str | None
    created_at: datetime


class GiveIn(Schema):
    amount: int = Field(..., gt=0, le=MAX_DONATION, description="In minor units (cents).")
    anonymous: bool = False
    idempotency_key: uuid.UUID | None = Field(
        None, description="Or send the Idempotency-Key header; one key is one gift."
    )
    via: str = Via


class Gift(Schema):
    id: int
    status: str
    amount: int
    currency: str
    anonymous: bool
    idempotency_key: uuid.UUID
    created_at: datetime


# Referrals and analytics -----------------------------------------------------------------


class LinkStats(Schema):
    visitors: int
    brought: int
    downstream: int


class Referral(Schema):
    code: str
    url: str
    qr_url: str
    stats: LinkStats


class Table(Schema):
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


class Analytics(Schema):
    summary: dict[str, Any]
    link_totals: dict[str, Any]
    tables: list[Table]


class Done(Schema):
    done: bool = True


# Acting without an account (routers/guest.py) ----------------------------------------------


class ProofChallenge(Schema):
    challenge: str
    bits: int = Field(..., description="Leading zero bits SHA-256(challenge + nonce) must have.")
    seconds: int = Field(..., description="How long the challenge may be answered.")


class GuestFormOut(Schema):
    consent: str = Field(..., description="The text the visitor agrees to (show it by the form).")
    proof_of_work: ProofChallenge | None = Field(
        ..., description="Null unless the proof of work is on: then send its answer."
    )
    expires_in_hours: int


class InKindOfferIn(Schema):
    item: str = Field(..., min_length=1, max_length=120, pattern=NO_NUL)
    quantity: int = Field(..., ge=1, le=MAX_IN_KIND_QUANTITY)
    unit: str = Field("", max_length=20, pattern=NO_NUL)
    declared_value: int = Field(
        ..., ge=0, le=MAX_IN_KIND_VALUE, description="Estimated value, in minor units (cents)."
    )


class GuestActionIn(Schema):
    kind: Literal["sign", "join", "rsvp", "give"] = Field(
        ...,
        description=(
            "sign the pledge, join the challenge, answer an event (rsvp), or offer goods to "
            "the fundraiser (give, with `offer`)."
        ),
    )
    event_id: int | None = Field(None, ge=1, le=2**63 - 1, description="For kind rsvp.")
    offer: InKindOfferIn | None = Field(None, description="For kind give: what is offered.")
    name: str = Field(..., min_length=1, max_length=80)
    email: str = Field(
        ..., max_length=254, description="Never shown to anyone: the confirmation goes there."
    )
    postcode: str = Field("", max_length=12, pattern=r"^[A-Za-z0-9 -]*$")
    consent: bool = Field(..., description="The visitor agreed to the consent text.")
    hear_from_hosts: bool = False
    proof_challenge: str = Field("", max_length=400)
    proof_nonce: str = Field("", max_length=40)
    via: str = Via


class GuestGiftIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    email: str = Field(
        ..., max_length=254, description="Never shown to anyone: the receipt goes there."
    )
    amount: int = Field(..., gt=0, le=MAX_DONATION, description="In minor units (cents).")
    consent: bool = Field(..., description="The visitor agreed to the consent text.")
    idempotency_key: uuid.UUID | None = Field(
        None, description="Or send the Idempotency-Key header; one key is one gift."
    )
    proof_challenge: str = Field("", max_length=400)
    proof_nonce: str = Field("", max_length=40)
    via: str = Via


class GuestGiftOut(Schema):
    status: str = Field(..., description="pending, succeeded or failed, as the provider said.")
    amount: int
    currency: str
    idempotency_key: uuid.UUID


class GuestActionOut(Schema):
    kind: str
    status: Literal["pending"]
    expires_in_hours: int


# Places ----------------------------------------------------------------------------------


class NearQuery(Schema):
    """Around a place: `near` (a postcode or a commune), or `lat` and `lon`."""

    near: str = Field("", max_length=120, pattern=NO_NUL, description="Postcode or commune.")
    lat: float | None = Field(None, description="Latitude, with lon, instead of near.")
    lon: float | None = Field(None, description="Longitude, with lat, instead of near.")
    radius_km: float = Field(10.0, description="Distance in km, at most 200.")


class PlaceOut(Schema):
    postcode: str
    latitude: float | None
    longitude: float | None
    precision: str = Field(..., description="address, commune, or empty when not placed.")


class EventNear(Schema):
    id: int
    title: str
    campaign: str
    address: str
    city: str
    place: PlaceOut
    starts_at: datetime
    ends_at: datetime
    distance_km: float
    url: str


class CommunityNear(Schema):
    slug: str
    name: str
    city: str
    place: PlaceOut
    distance_km: float
    url: str


class ListingNear(Schema):
    id: int
    kind: str
    category: str
    title: str
    place: str = Field(..., description="The listing's commune, never an address.")
    latitude: float | None = Field(..., description="The commune's, rounded to 0.01°.")
    longitude: float | None
    distance_km: float
    url: str


class GeoPoint(Schema):
    type: Literal["Point"]
    coordinates: list[float] = Field(..., description="[longitude, latitude]")


class FeatureProperties(Schema):
    id: int | str
    title: str
    url: str


class Feature(Schema):
    type: Literal["Feature"]
    geometry: GeoPoint
    properties: FeatureProperties


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[Feature]
    truncated: bool = Field(..., description="More places than shown: zoom in.")
