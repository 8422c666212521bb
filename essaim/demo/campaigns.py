"""The demo's campaigns: a 30-day eco challenge co-hosted by a dozen creators, clean-up walks
in several cities, a fundraiser for a refugee camp, and a petition. Bulk-written, with past
dates, so that every page shows real-looking numbers."""

import random
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from essaim.accounts.models import User, UserFollow
from essaim.campaigns.models import (
    Campaign,
    CampaignFollow,
    CampaignHost,
    CampaignUpdate,
    Challenge,
    ChallengeDay,
    CheckIn,
    Donation,
    Event,
    EventResult,
    Fundraiser,
    InKindPledge,
    Participant,
    Pledge,
    Rsvp,
    Signature,
)
from essaim.campaigns.services.tally import tally_rebuild
from essaim.core.models import Precision
from essaim.relay import bulk as relay_bulk
from essaim.relay.bulk import Arrival, pick_referrers
from essaim.relay.models import Supporter

BATCH = 2000

ECO_PROMPTS = [
    ("Faites l'inventaire de votre poubelle", "Notez ce qui revient le plus souvent."),
    ("Refusez un emballage inutile", "Sacs, pailles, prospectus : dites non merci."),
    ("Achetez un produit en vrac", "Prenez vos bocaux au magasin."),
    ("Réparez un objet au lieu de le jeter", "Un tutoriel suffit souvent."),
    ("Cuisinez vos restes", "Soupe, gratin, pain perdu."),
    ("Apposez un « Stop pub » sur votre boîte", "Il s'imprime en deux minutes."),
    ("Emportez une gourde", "L'eau du robinet est excellente."),
    ("Triez vos biodéchets", "Renseignez-vous sur le compost de quartier."),
    ("Donnez un objet qui dort", "Sur le tableau d'entraide, par exemple."),
    ("Préparez un repas sans viande", "Les légumineuses sont vos amies."),
]

WALK_CITIES = [
    ("Paris", "Quai de Valmy", "75010", 48.87200, 2.36300),
    ("Lyon", "Berges du Rhône", "69007", 45.75800, 4.84200),
    ("Marseille", "Plage des Catalans", "13007", 43.29000, 5.35900),
    ("Nantes", "Île de Versailles", "44000", 47.22400, -1.55000),
    ("Lille", "Citadelle", "59800", 50.64100, 3.04400),
    ("Bordeaux", "Quais de la Garonne", "33000", 44.84600, -0.56700),
]


def _campaign(
    title: str, summary: str, body: str, category: str, creator: User, created: datetime
) -> Campaign:
    return Campaign.objects.create(
        slug=slugify(title)[:70],
        title=title,
        summary=summary,
        body=body,
        category=category,
        status=Campaign.Status.LIVE,
        created_by=creator,
        created_at=created,
        starts_on=created.date(),
    )


def _hosts(campaign: Campaign, people: list[User]) -> list[CampaignHost]:
    CampaignHost.objects.bulk_create(
        [
            CampaignHost(
                campaign=campaign,
                user=person,
                status=CampaignHost.Status.ACCEPTED,
                invited_by=people[0],
            )
            for person in people
        ]
    )
    return list(campaign.hosts.order_by("pk"))


def _cascades(
    rng: random.Random, campaign: Campaign, share: float, now: datetime
) -> dict[str, int]:
    """Who brought whom: people who came by a co-host's code were brought by that co-host;
    of the others, a share came through a participant's personal link."""
    arrivals: dict[int, Arrival] = {}
    hosts = {host.pk: host.user_id for host in campaign.hosts.filter(user__isnull=False)}
    actions: list[tuple[str, QuerySet[Any]]] = [
        (Supporter.Action.SIGN, Signature.objects.filter(pledge__campaign=campaign)),
        (Supporter.Action.JOIN, Participant.objects.filter(challenge__campaign=campaign)),
        (Supporter.Action.RSVP, Rsvp.objects.filter(event__campaign=campaign)),
        (
            Supporter.Action.GIVE,
            Donation.objects.filter(fundraiser__campaign=campaign, user__isnull=False),
        ),
    ]
    for action, queryset in actions:
        for user_id, at, host_id in queryset.values_list("user_id", "created_at", "host_id"):
            if action == Supporter.Action.RSVP:  # written just now: spread over the weeks
                at = now - timedelta(seconds=rng.randrange(35 * 86400))
            if user_id not in arrivals or at < arrivals[user_id].at:
                arrivals[user_id] = Arrival(user_id, at, action, hosts.get(host_id))
    everyone = list(arrivals.values())
    audience = dict(
        UserFollow.objects.filter(followed__in=arrivals)
        .values("followed")
        .annotate(n=Count("id"))
        .values_list("followed", "n")
    )
    pick_referrers(
        everyone,
        rng,
        share=share,
        exclude=[user for user in hosts.values() if user],
        audience=audience,
    )
    return relay_bulk.load(campaign, everyone, rng)


def create_campaigns(
    rng: random.Random, users: list[User], creators: list[User], now: datetime
) -> dict[str, int]:
    counts: dict[str, int] = {}
    today = timezone.localdate()
    people = users[len(creators) :]

    # 1. The eco challenge, co-hosted by a dozen creators.
    # Camille, the first demo log-in, co-hosts it: she can open its reach dashboard.
    camille = users[0]
    dozen = [*creators, camille]
    dozen += [user for user in people[:40] if user not in dozen][: 12 - len(dozen)]
    eco = _campaign(
        "Défi 30 jours zéro déchet",
        "Un geste par jour pendant 30 jours pour réduire nos déchets, ensemble.",
        "Chaque jour, un défi simple et une astuce. Validez votre geste en un clic, "
        "gardez votre série et entraînez vos proches !",
        Campaign.Category.ENVIRONMENT,
        dozen[0],
        now - timedelta(days=20),
    )
    eco_hosts = _hosts(eco, dozen)
    challenge = Challenge.objects.create(
        campaign=eco, starts_on=today - timedelta(days=12), ends_on=today + timedelta(days=17)
    )
    ChallengeDay.objects.bulk_create(
        [
            ChallengeDay(
                challenge=challenge,
                date=challenge.starts_on + timedelta(days=number),
                prompt=ECO_PROMPTS[number % len(ECO_PROMPTS)][0],
                tip=ECO_PROMPTS[number % len(ECO_PROMPTS)][1],
            )
            for number in range(30)
        ]
    )
    joiners = rng.sample(people, min(len(people), int(len(people) * 0.55)))
    Participant.objects.bulk_create(
        [
            Participant(
                challenge=challenge,
                user=user,
                host=rng.choice(eco_hosts) if rng.random() < 0.3 else None,
                created_at=now - timedelta(days=rng.randint(0, 12)),
                # Their supporters are recorded by the cascades, as the signers'.
                settled_at=now,
            )
            for user in joiners
        ],
        batch_size=BATCH,
    )
    check_ins = []
    for participant in Participant.objects.filter(challenge=challenge).order_by("pk"):
        keen = rng.random()  # how likely this person keeps it up each day
        joined = timezone.localdate(participant.created_at)
        day = max(joined, challenge.starts_on)
        while day <= today:
            if rng.random() < 0.35 + 0.6 * keen:
                check_ins.append(CheckIn(participant=participant, date=day))
            day += timedelta(days=1)
    CheckIn.objects.bulk_create(check_ins, batch_size=BATCH)
    counts["challenge participants"] = len(joiners)
    counts["check-ins"] = len(check_ins)

    # 2. Clean-up walks in several cities: past ones with results, coming ones with places.
    walks = _campaign(
        "Ramassages citoyens au bord de l'eau",
        "Des marches de ramassage de déchets dans six villes, ouvertes à toutes et tous.",
        "Gants et sacs fournis. Chaque marche déclare ce qu'elle a ramassé.",
        Campaign.Category.ENVIRONMENT,
        creators[0],
        now - timedelta(days=60),
    )
    walk_hosts = _hosts(walks, creators[:3])
    rsvps = 0
    for city, address, postcode, latitude, longitude in WALK_CITIES:
        local = [user for user in people if user.city == city] or people
        for week in (-5, -3, -1, 1, 2):
            start = (now + timedelta(weeks=week)).replace(
                hour=9, minute=30, second=0, microsecond=0
            )
            event = Event.objects.create(
                campaign=walks,
                title=f"Ramassage — {city}",
                address=address,
                city=city,
                postcode=postcode,
                latitude=latitude,
                longitude=longitude,
                place_precision=Precision.ADDRESS,
                starts_at=start,
                ends_at=start + timedelta(hours=2, minutes=30),
                capacity=25,
                proposed_by=rng.choice(local),
                status=Event.Status.APPROVED,
            )
            coming = rng.sample(local, min(len(local), rng.randint(12, 32)))
            Rsvp.objects.bulk_create(
                [
                    Rsvp(
                        event=event,
                        user=user,
                        position=position,
                        status=Rsvp.Status.CONFIRMED if position <= 25 else Rsvp.Status.WAITLISTED,
                        attended_at=start
                        if week < 0 and position <= 25 and rng.random() < 0.85
                        else None,
                        host=rng.choice(walk_hosts) if rng.random() < 0.2 else None,
                    )
                    for position, user in enumerate(coming, start=1)
                ]
            )
            rsvps += len(coming)
            if week < 0:
                EventResult.objects.bulk_create(
                    [
                        EventResult(
                            event=event,
                            measure="déchets ramassés",
                            unit="kg",
                            quantity=Decimal(rng.randint(80, 420)) / 2,
                        ),
                        EventResult(
                            event=event,
                            measure="sacs remplis",
                            unit="sacs",
                            quantity=Decimal(rng.randint(8, 40)),
                        ),
                    ]
                )
    counts["event RSVPs"] = rsvps

    # 3. The refugee-camp fundraiser, with gifts and brands' in-kind pledges.
    camp = _campaign(
        "Hiver au camp : couvertures, tentes et repas chauds",
        "Une collecte pour équiper le camp de réfugiés avant les grands froids.",
        "Chaque euro est publié dans le registre. Des marques partenaires donnent en nature.",
        Campaign.Category.REFUGEES,
        creators[2],
        now - timedelta(days=25),
    )
    camp_hosts = _hosts(camp, [creators[2], creators[4]])
    fundraiser = Fundraiser.objects.create(campaign=camp, goal_amount=50_000_00, currency="EUR")
    donors = rng.sample(people, min(len(people), 420))
    Donation.objects.bulk_create(
        [
            Donation(
                fundraiser=fundraiser,
                user=user,
                amount=rng.choice([5, 10, 10, 20, 20, 25, 30, 50, 50, 100, 150]) * 100,
                currency="EUR",
                anonymous=(anonymous := rng.random() < 0.3),
                donor_name="" if anonymous else user.display_name,
                status=Donation.Status.SUCCEEDED,
                provider="offline",
                provider_reference=f"offline_{key}",
                idempotency_key=key,
                host=rng.choice(camp_hosts) if rng.random() < 0.3 else None,
                created_at=now - timedelta(seconds=rng.randrange(25 * 86400)),
            )
            for user in donors
            for key in [uuid.UUID(int=rng.getrandbits(128))]
        ],
        batch_size=BATCH,
    )
    InKindPledge.objects.bulk_create(
        [
            InKindPledge(
                fundraiser=fundraiser,
                partner="Laine & Co",
                item="Couvertures en laine",
                quantity=400,
                unit="pièces",
                declared_value=6_000_00,
                status=InKindPledge.Status.DELIVERED,
                delivered_at=now - timedelta(days=6),
            ),
            InKindPledge(
                fundraiser=fundraiser,
                partner="Outdoor Solidaire",
                item="Tentes 4 places",
                quantity=60,
                unit="pièces",
                declared_value=9_000_00,
            ),
            InKindPledge(
                fundraiser=fundraiser,
                partner="Boulangeries du Nord",
                item="Repas chauds",
                quantity=2000,
                unit="repas",
                declared_value=4_000_00,
                status=InKindPledge.Status.DELIVERED,
                delivered_at=now - timedelta(days=2),
            ),
        ]
    )
    counts["donations"] = len(donors)

    # 4. A petition.
    petition = _campaign(
        "Des fontaines à eau dans chaque parc",
        "Demandons à nos villes une fontaine d'eau potable dans chaque parc public.",
        "Boire sans acheter de bouteille en plastique devrait être possible partout.",
        Campaign.Category.ENVIRONMENT,
        creators[1],
        now - timedelta(days=40),
    )
    petition_hosts = _hosts(petition, creators[1:4])
    pledge = Pledge.objects.create(
        campaign=petition,
        text="Je demande une fontaine à eau potable dans chaque parc public de ma ville.",
        goal_ladder="500, 1000, 2500, 5000",
    )
    signers = rng.sample(people, min(len(people), int(len(people) * 0.45)))
    Signature.objects.bulk_create(
        [
            Signature(
                pledge=pledge,
                user=user,
                show_name=rng.random() < 0.4,
                host=rng.choice(petition_hosts) if rng.random() < 0.3 else None,
                created_at=now - timedelta(seconds=rng.randrange(40 * 86400)),
                # Counted by the rebuild below, their supporters recorded by the cascades.
                settled_at=now,
            )
            for user in signers
        ],
        batch_size=BATCH,
    )
    counts["signatures"] = tally_rebuild(pledge)

    for campaign, share in ((eco, 0.35), (walks, 0.2), (camp, 0.25), (petition, 0.3)):
        counts[f"referrals ({campaign.slug[:20]})"] = _cascades(rng, campaign, share, now)[
            "referrals"
        ]

    # Followers of each campaign (who gets its news, and among whom its hosts look for relays
    # in the planner): most participants, and people who only watch.
    follows = 0
    for campaign in (eco, walks, camp, petition):
        acted = set(Supporter.objects.filter(campaign=campaign).values_list("user_id", flat=True))
        watchers = {user.pk for user in rng.sample(people, len(people) // 10)}
        chosen = sorted({u for u in acted if rng.random() < 0.6} | watchers)
        CampaignFollow.objects.bulk_create(
            [CampaignFollow(campaign=campaign, user_id=user_id) for user_id in chosen],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        follows += len(chosen)
    counts["campaign follows"] = follows

    for campaign, host, text in (
        (eco, dozen[0], "Déjà **12 jours** : bravo à toutes et tous pour vos séries !"),
        (walks, creators[0], "Plus d'une tonne de déchets ramassée depuis le début. Merci !"),
        (camp, creators[2], "Les couvertures sont arrivées au camp. Prochaine étape : les tentes."),
        (petition, creators[1], "Nous remettrons les signatures aux mairies en décembre."),
    ):
        CampaignUpdate.objects.create(campaign=campaign, author=host, body=text)
    return counts
