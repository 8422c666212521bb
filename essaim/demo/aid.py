"""Mutual-aid listings of the demo: realistic offers and requests across the communities."""

import random
from datetime import datetime, timedelta

from essaim.accounts.models import User
from essaim.aid.models import AidListing
from essaim.aid.search import search_text_for
from essaim.aid.services import listing_create, listing_set_status
from essaim.messaging.services import conversation_start, message_send

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


# The Paris community's own board: (kind, category, title, details, author index among its
# members, conversation as (replier index, [messages alternating replier, author])).
PARIS_BOARD = [
    (
        Kind.OFFER,
        Category.GOODS,
        "Canapé trois places à donner",
        "Canapé en tissu gris, propre, à récupérer rue Oberkampf. "
        "Il faut être deux pour le porter.",
        0,
        (
            3,
            [
                "Bonjour ! Le canapé est-il toujours disponible ?",
                "Oui, vous pouvez passer jeudi soir après 19 h.",
                "Parfait, je viens avec un ami. Merci beaucoup !",
            ],
        ),
    ),
    (
        Kind.OFFER,
        Category.GOODS,
        "Sac de vêtements d'hiver pour enfant (4-6 ans)",
        "Manteau, bonnets, pulls : tout est lavé et en bon état.",
        4,
        (
            5,
            [
                "Ma fille a 5 ans, cela nous aiderait beaucoup.",
                "Avec plaisir, je vous le dépose au local samedi.",
            ],
        ),
    ),
    (
        Kind.OFFER,
        Category.JOB,
        "Piste d'emploi : la supérette du boulevard Voltaire recrute",
        "CDI de 30 h, vente et mise en rayon. Je connais la gérante, je peux transmettre un CV.",
        6,
        None,
    ),
    (
        Kind.OFFER,
        Category.INTERNSHIP,
        "Stage de six mois dans une association de quartier",
        "Communication et organisation d'événements, gratification légale, dès février.",
        7,
        (
            8,
            [
                "Bonjour, je suis en licence d'info-com, puis-je vous envoyer ma candidature ?",
                "Bien sûr, écrivez-moi ici, je transmets à la coordinatrice.",
            ],
        ),
    ),
    (
        Kind.REQUEST,
        Category.HOUSING,
        "Cherche une chambre pour trois mois",
        "Jeune travailleur en CDD à l'hôpital Saint-Antoine, sérieux et discret.",
        9,
        (
            0,
            [
                "J'ai peut-être une piste chez une voisine, je lui demande.",
                "Merci infiniment, je reste joignable ici.",
            ],
        ),
    ),
    (
        Kind.REQUEST,
        Category.ADVICE,
        "Comment faire une demande d'APL ?",
        "Première location, je suis perdu dans les démarches de la CAF.",
        10,
        None,
    ),
    (
        Kind.REQUEST,
        Category.GOODS,
        "Besoin d'une table et de quatre chaises",
        "Pour une famille qui emménage dans le quartier la semaine prochaine.",
        11,
        None,
    ),
]


def create_paris_board(members: list[User]) -> tuple[int, int]:
    """The Paris community's listings and their conversations, written through the services
    (one by one: they are few) so that they look like what people really do.
    Returns how many listings and conversations it wrote."""
    count = conversations = 0
    for kind, category, title, body, author_index, talk in PARIS_BOARD:
        author = members[author_index % len(members)]
        listing = listing_create(
            author=author,
            kind=kind,
            category=category,
            title=title,
            body=body,
            place="Paris 11e",
            community=author.memberships.get(community__slug="entraide-paris-11e").community,
        )
        count += 1
        if talk is None:
            continue
        replier_index, lines = talk
        replier = members[replier_index % len(members)]
        if replier.pk == author.pk:
            continue
        conversation = conversation_start(
            sender=replier, recipient=author, body=lines[0], listing=listing
        )
        conversations += 1
        for number, line in enumerate(lines[1:], start=1):
            sender = author if number % 2 else replier
            message_send(sender=sender, conversation=conversation, body=line)
        if kind == Kind.OFFER and len(lines) > 2:
            listing_set_status(actor=author, listing=listing, status=Status.PROMISED)
    return count, conversations
