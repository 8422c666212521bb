"""The demo's moderation: Camille moderates Entraide Paris 11e; her queue holds a reported
spam post and a reported rumour she labelled disputed while she decides, and the community's
public log shows a comment the moderators hid, with why."""

import random

from essaim.accounts.models import User
from essaim.communities.models import Comment, Community, Membership, Post
from essaim.moderation import services


def create_moderation(rng: random.Random, paris: Community, members: list[User]) -> int:
    camille = next((user for user in members if user.email.startswith("camille@")), None)
    others = [user for user in members if user != camille]
    if camille is None or len(others) < 8:  # a demo too small to stage it
        return 0
    Membership.objects.filter(community=paris, user=camille).update(role=Membership.Role.MODERATOR)
    author, rumourer, rude, *reporters = rng.sample(others, 8)
    spam = Post.objects.create(
        community=paris,
        author=author,
        body="Gagnez 500 € par jour depuis chez vous, sans rien faire ! Écrivez-moi vite.",
    )
    for reporter in reporters[:3]:
        services.report(reporter=reporter, kind="post", pk=spam.pk, reason="spam", note="Arnaque")
    rumour = Post.objects.create(
        community=paris,
        author=rumourer,
        body="Il paraît que la mairie coupe l'eau de tout le quartier pendant une semaine.",
    )
    services.report(reporter=reporters[3], kind="post", pk=rumour.pk, reason="misleading")
    services.dispute(
        actor=camille,
        case=services.case_open(actor=camille, kind="post", pk=rumour.pk),
        note="La mairie annonce une coupure de deux heures, mardi matin, rue Oberkampf seulement.",
    )
    target = Post.objects.filter(community=paris).exclude(pk__in=[spam.pk, rumour.pk]).first()
    if target is not None:
        comment = Comment.objects.create(
            post=target, author=rude, body="Franchement, les gens de ce quartier sont des abrutis."
        )
        services.report(reporter=reporters[4], kind="comment", pk=comment.pk, reason="harassment")
        case = services.case_open(actor=camille, kind="comment", pk=comment.pk)
        services.act(
            actor=camille,
            case=case,
            kind="hide",
            reason="Insulte envers les habitants : contraire à la charte de la communauté.",
        )
    return 3
