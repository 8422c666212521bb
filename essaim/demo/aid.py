"""Mutual-aid listings of the demo: realistic offers and requests across the communities."""

import random
from datetime import datetime, timedelta

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.search import search_text_for

Kind, Category, Status = AidListing.Kind, AidListing.Category, AidListing.Status

# (kind, category, title, details)
LISTINGS = [
    (
        Kind.OFFER,
        Category.GOODS,
        "Vélo enfant 16 pouces à donner",
        "Bon état, petites roues fournies. À récupérer sur place.",
    ),
    (
        Kind.REQUEST,
        Category.GOODS,
        "Cherche un vélo pour aller au travail",
        "Je commence un emploi à 6 km, un vélo d'occasion m'aiderait beaucoup.",
    ),
    (
        Kind.OFFER,
        Category.SERVICE,
        "Aide aux devoirs en maths et physique",
        "Étudiant en licence, disponible le mercredi après-midi.",
    ),
    (
        Kind.REQUEST,
        Category.SERVICE,
        "Besoin d'aide pour un déménagement samedi",
        "Deux heures, troisième étage sans ascenseur. Café et croissants offerts !",
    ),
    (
        Kind.OFFER,
        Category.HOUSING,
        "Chambre libre pour une étudiante en septembre",
        "Chambre meublée chez l'habitant, loyer solidaire.",
    ),
    (
        Kind.REQUEST,
        Category.HOUSING,
        "Hébergement d'urgence pour deux nuits",
        "Famille avec un enfant, en attente d'une place en foyer.",
    ),
    (
        Kind.OFFER,
        Category.JOB,
        "Boulangerie cherche un apprenti",
        "Contrat d'apprentissage, débutant accepté, motivation avant tout.",
    ),
    (
        Kind.REQUEST,
        Category.INTERNSHIP,
        "Cherche un stage de trois mois en communication",
        "Étudiante en BTS, disponible à partir de janvier.",
    ),
    (
        Kind.OFFER,
        Category.ADVICE,
        "Conseils pour remplir sa déclaration d'impôts",
        "Ancienne conseillère, je vous aide à y voir clair, gratuitement.",
    ),
    (
        Kind.REQUEST,
        Category.ADVICE,
        "Comment contester une facture d'énergie ?",
        "Ma facture a doublé sans explication, des idées ?",
    ),
    (
        Kind.OFFER,
        Category.INFORMATION,
        "Distribution alimentaire tous les jeudis",
        "De 17 h à 19 h devant la mairie annexe, sans condition.",
    ),
    (
        Kind.OFFER,
        Category.GOODS,
        "Perceuse et caisse à outils à prêter",
        "Prêt pour le week-end, à rendre le lundi.",
    ),
    (
        Kind.REQUEST,
        Category.GOODS,
        "Recherche une poussette d'occasion",
        "Pour un bébé attendu en mars.",
    ),
    (
        Kind.OFFER,
        Category.SERVICE,
        "Réparation d'ordinateurs gratuite",
        "Je remets en état vos vieux PC pour les donner à des familles.",
    ),
    (
        Kind.REQUEST,
        Category.SERVICE,
        "Cours de français pour adultes",
        "Je cherche quelqu'un pour pratiquer la conversation une fois par semaine.",
    ),
]


def create_listings(
    rng: random.Random, users: list[User], members: dict[int, list[User]], now: datetime
) -> int:
    """About one listing per five people, in communities or instance-wide, mostly open."""
    rows = []
    community_ids = list(members)
    for number in range(max(len(users) // 5, len(LISTINGS))):
        kind, category, title, body = LISTINGS[number % len(LISTINGS)]
        in_community = rng.random() < 0.7
        community_id = rng.choice(community_ids) if in_community else None
        author = rng.choice(members[community_id]) if community_id else rng.choice(users)
        place = author.city
        status = rng.choices(
            [Status.OPEN, Status.PROMISED, Status.DONE, Status.WITHDRAWN], [70, 10, 15, 5]
        )[0]
        expires = now + timedelta(days=rng.randint(3, 60)) if rng.random() < 0.4 else None
        rows.append(
            AidListing(
                kind=kind,
                category=category,
                title=title,
                body=body,
                place=place,
                community_id=community_id,
                author=author,
                status=status,
                expires_at=expires,
                created_at=now - timedelta(seconds=rng.randrange(45 * 86400)),
                search_text=search_text_for(title=title, body=body, place=place),
            )
        )
    AidListing.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
