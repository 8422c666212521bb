"""The French demo content: names, places and texts the generator combines deterministically."""

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Emma",
    "Zoé",
    "Lina",
    "Sarah",
    "Anaïs",
    "Clara",
    "Margaux",
    "Lucie",
    "Élodie",
    "Mathilde",
    "Nadia",
    "Fatou",
    "Aïcha",
    "Yasmine",
    "Salomé",
    "Hélène",
    "Juliette",
    "Nina",
    "Rose",
    "Agathe",
    "Maëlle",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Adam",
    "Nathan",
    "Théo",
    "Tom",
    "Karim",
    "Mehdi",
    "Samir",
    "Youssef",
    "Moussa",
    "Mamadou",
    "Antoine",
    "Baptiste",
    "Paul",
    "Martin",
    "Noé",
    "Victor",
    "Mathis",
    "Rayan",
    "Bastien",
    "Quentin",
    "Julien",
    "Étienne",
]

LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Diallo",
    "Traoré",
    "Benali",
    "Haddad",
    "Nguyen",
    "Da Silva",
    "Kone",
    "Benoît",
    "Chevalier",
]

CITIES = [
    "Paris",
    "Lyon",
    "Marseille",
    "Toulouse",
    "Nantes",
    "Lille",
    "Bordeaux",
    "Strasbourg",
    "Rennes",
    "Montpellier",
    "Grenoble",
    "Dijon",
    "Angers",
    "Brest",
    "Tours",
    "Nancy",
]

# (name, city, visibility, join mode, description)
COMMUNITIES = [
    (
        "Entraide Paris 11e",
        "Paris",
        "public",
        "open",
        "Voisines et voisins du 11e arrondissement qui s'entraident : prêts d'objets, "
        "coups de main, bons plans du quartier.",
    ),
    (
        "Étudiants solidaires de Lyon",
        "Lyon",
        "public",
        "open",
        "Logement, stages, colis alimentaires et fiches de révision : on ne laisse personne seul.",
    ),
    (
        "Jardins partagés de Nantes",
        "Nantes",
        "public",
        "approval",
        "Graines, outils et récoltes en commun dans les jardins partagés de la ville.",
    ),
    (
        "Réparons ensemble — Lille",
        "Lille",
        "public",
        "open",
        "Repair café mensuel : vélos, petit électroménager, couture. Venez avec vos objets cassés.",
    ),
    (
        "Parents solos de Toulouse",
        "Toulouse",
        "private",
        "approval",
        "Un espace privé pour les parents qui élèvent seuls leurs enfants : garde partagée, "
        "écoute, entraide administrative.",
    ),
    (
        "Collectif climat Bordeaux",
        "Bordeaux",
        "public",
        "open",
        "Actions locales pour le climat : ramassages de déchets, vélorution, ateliers.",
    ),
    (
        "Maraudes de Marseille",
        "Marseille",
        "public",
        "approval",
        "Bénévoles des maraudes du soir : planning, dons, besoins des personnes à la rue.",
    ),
    (
        "Cercle des aidants",
        "Rennes",
        "private",
        "invitation",
        "Pour les proches aidants : relais, répit, conseils. Sur invitation uniquement.",
    ),
    (
        "Covoiturage solidaire Grenoble",
        "Grenoble",
        "public",
        "open",
        "Trajets partagés vers les vallées, les hôpitaux et les entretiens d'embauche.",
    ),
    (
        "Bibliothèque de rue Strasbourg",
        "Strasbourg",
        "public",
        "open",
        "Livres en libre-service et lectures pour enfants dans les squares.",
    ),
    (
        "Mentorat emploi Montpellier",
        "Montpellier",
        "public",
        "approval",
        "Des pros accompagnent des jeunes vers leur premier emploi : CV, entretiens, réseau.",
    ),
    (
        "Accueil des exilés Calais–Lille",
        "Lille",
        "private",
        "approval",
        "Hébergement solidaire, cours de français, accompagnement aux démarches.",
    ),
]

CHARTER = """1. On se parle avec respect : pas d'insulte, pas de haine, pas de harcèlement.
2. On partage des informations vérifiées et on cite ses sources.
3. Pas de vente ni de publicité : ici on donne, on prête, on échange.
4. Ce qui se dit dans un espace privé y reste."""

POSTS = [
    "Bonjour à toutes et à tous ! Je viens d'arriver dans le quartier, ravi·e de vous rejoindre.",
    "Rappel : la **permanence** a lieu samedi de 10 h à 12 h à la maison des associations.",
    "Merci à celles et ceux qui sont venus hier, on a récolté *trois cartons* de vêtements chauds.",
    "Quelqu'un aurait une perceuse à prêter ce week-end ? Je la rends dimanche soir.",
    "Petit bilan du mois : 24 coups de main, 12 objets prêtés, 5 nouveaux membres. Bravo !",
    "Les inscriptions pour l'atelier réparation de vélos sont ouvertes, places limitées.",
    "Je cherche des bénévoles pour tenir le stand au marché dimanche matin.",
    "Bon plan : la médiathèque prête maintenant des outils de jardinage gratuitement.",
    "Qui serait partant·e pour une collecte de denrées devant le supermarché samedi ?",
    "Un grand merci à Karim pour l'aide au déménagement, vous êtes formidables.",
    "Pensez à vérifier les informations avant de les partager : voici une source fiable "
    "sur les aides au logement : [service-public.fr](https://www.service-public.fr/).",
    "Réunion d'organisation mardi à 19 h, ordre du jour :\n\n- bilan\n- prochaines actions\n"
    "- questions diverses",
]

COMMENTS = [
    "Merci pour l'info !",
    "Je peux aider samedi.",
    "Super initiative 👏",
    "Je passe le mot autour de moi.",
    "Dispo dimanche après-midi si besoin.",
    "Bienvenue !",
    "Je m'inscris.",
    "Excellente nouvelle.",
    "Je peux prêter la mienne.",
    "On compte sur toi !",
]

BIOS = [
    "Bénévole depuis toujours, j'aime réparer les choses.",
    "Étudiante en master, je donne des cours de maths.",
    "Retraité, jardinier amateur, toujours partant pour un coup de main.",
    "Maman de deux enfants, passionnée de couture.",
    "Développeur le jour, cycliste le soir.",
    "",
]

# The people whose log-ins `demo_data` prints: they get richer, hand-written profiles.
DEMO_PEOPLE = [
    (
        "camille@demo.essaim.test",
        "Camille Martin",
        "Paris",
        "Coordinatrice de l'entraide du 11e. Je connais tout le monde dans le quartier !",
    ),
    (
        "karim@demo.essaim.test",
        "Karim Benali",
        "Lyon",
        "Étudiant en informatique, je répare les ordinateurs gratuitement.",
    ),
    (
        "lucie@demo.essaim.test",
        "Lucie Moreau",
        "Nantes",
        "Jardinière et cheffe de projet associatif.",
    ),
]
# The demo's instance moderator (staff, not a superuser): every community's moderation queue,
# the instance-wide sanctions and the e-mails the instance sent (/staff/emails/), for a
# visitor to try. In no community, so the generator's people stay as they were.
DEMO_STAFF = (
    "moderation@demo.essaim.test",
    "Solène Ferrand",
    "Paris",
    "Modératrice de l'instance de démonstration : signalements, décisions et e-mails envoyés.",
)
# Public on purpose: printed by `make demo` for the demo accounts only.
DEMO_PASSWORD = "essaim-demo-2026"  # noqa: S105

# Local chapters the generator adds for every city: (name pattern, visibility, join mode,
# description).
CHAPTERS = [
    (
        "Entraide de quartier — {city}",
        "public",
        "open",
        "Coups de main, prêts d'objets et bons plans entre voisins à {city}.",
    ),
    (
        "Repair café {city}",
        "public",
        "open",
        "Un samedi par mois, on répare ensemble plutôt que de jeter.",
    ),
    (
        "Solidarité étudiante {city}",
        "public",
        "approval",
        "Logement, stages et entraide entre étudiantes et étudiants de {city}.",
    ),
]

# Creators whose audiences the follower graph makes large: (name, city, bio).
CREATORS = [
    (
        "Inès Zéro Déchet",
        "Paris",
        "Je montre chaque semaine comment réduire ses déchets. "
        "Vidéos, ateliers et défis collectifs.",
    ),
    (
        "Théo Vélo Lyon",
        "Lyon",
        "Cycliste urbain, je chronique les pistes cyclables et les vélorutions.",
    ),
    (
        "Awa Cuisine Solidaire",
        "Marseille",
        "Recettes anti-gaspi et repas partagés pour les maraudes.",
    ),
    (
        "Le Réparateur Masqué",
        "Lille",
        "Tutoriels de réparation : rien ne se jette, tout se répare.",
    ),
    ("Maëlle Droits Sociaux", "Toulouse", "Juriste, j'explique vos droits en trois minutes."),
]
