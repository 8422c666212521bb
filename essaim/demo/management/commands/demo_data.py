"""Load the French demo instance: thousands of people, their follows, communities, posts,
comments, likes, mutual-aid listings and a few conversations.

Deterministic (one seeded generator), all-or-nothing (one transaction), fast (bulk inserts, one
password hash shared by every demo account), and idempotent: run again, it only prints the
log-ins.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from essaim.accounts.models import User, UserFollow
from essaim.aid.models import AidListing
from essaim.campaigns.models import Campaign, Donation, Participant, Signature
from essaim.communities.models import (
    Comment,
    Community,
    CommunityFollow,
    Membership,
    Post,
    PostReaction,
)
from essaim.demo import content
from essaim.demo.aid import create_listings, create_paris_board
from essaim.demo.campaigns import create_campaigns
from essaim.demo.moderation import create_moderation
from essaim.demo.pictures import create_pictures
from essaim.demo.places import place_everything
from essaim.messaging.services import conversation_start, message_send

BATCH = 2000


@contextmanager
def historical_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the past `created_at` the generator chose (auto_now_add would
    stamp every row with the time of the load)."""
    fields = [model._meta.get_field("created_at") for model in model_classes]
    date_fields = [field for field in fields if isinstance(field, models.DateTimeField)]
    for field in date_fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in date_fields:
            field.auto_now_add = True


class Command(BaseCommand):
    help = "Load the French demo content (idempotent: does nothing if it is already there)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=3000, help="how many people")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(email=content.DEMO_PEOPLE[0][0]).exists():
            self.stdout.write("The demo content is already loaded.")
        else:
            started = time.monotonic()
            with transaction.atomic():
                counts = Generator(random.Random(options["seed"]), options["people"]).run()
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(
                f"Demo content loaded in {time.monotonic() - started:.1f} s: {summary}."
            )
        self.stdout.write(self.style.SUCCESS("Demo log-ins (e-mail / password):"))
        for email, name, _city, _bio in content.DEMO_PEOPLE:
            self.stdout.write(f"  {email} / {content.DEMO_PASSWORD}   ({name})")
        email, name, _city, _bio = content.DEMO_STAFF
        self.stdout.write(
            f"  {email} / {content.DEMO_PASSWORD}   ({name}, staff: /moderation/, /staff/emails/)"
        )


class Generator:
    def __init__(self, rng: random.Random, people: int) -> None:
        self.rng = rng
        self.people_count = max(people, 50)
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    def past(self, days: int = 90) -> Any:
        return self.now - timedelta(seconds=self.rng.randrange(days * 86400))

    def run(self) -> dict[str, int]:
        with historical_timestamps(
            UserFollow, Membership, CommunityFollow, Post, Comment, PostReaction, AidListing
        ):
            users = self.people()
            communities = self.communities(users)
            members = self.memberships(users, communities)
            self.follows(users, communities)
            posts = self.posts(members)
            self.comments_and_likes(posts, members)
            self.counts["aid listings"] = create_listings(self.rng, users, members, self.now)
        with historical_timestamps(Campaign, Participant, Donation, Signature):
            demo = len(content.DEMO_PEOPLE)
            creators = users[demo : demo + len(content.CREATORS)]
            self.counts.update(create_campaigns(self.rng, users, creators, self.now))
        paris = next(c for c in communities if c.slug == "entraide-paris-11e")
        listings, conversations = create_paris_board(members[paris.pk])
        self.counts["aid listings"] += listings
        self.conversations(users)
        self.counts["conversations"] += conversations
        self.counts["moderation cases"] = create_moderation(self.rng, paris, members[paris.pk])
        self.counts["pictures"] = create_pictures(self.rng)
        self.counts["places"] = place_everything()["placed"]
        return self.counts

    def people(self) -> list[User]:
        password = make_password(content.DEMO_PASSWORD)
        handles: set[str] = set()
        rows: list[User] = []
        for index, (email, name, city, bio) in enumerate(content.DEMO_PEOPLE):
            handle = slugify(name)
            handles.add(handle)
            rows.append(
                User(
                    email=email,
                    display_name=name,
                    handle=handle,
                    city=city,
                    bio=bio,
                    password=password,
                    date_joined=self.now - timedelta(days=200 + index),
                )
            )
        for index, (name, city, bio) in enumerate(content.CREATORS):
            handle = slugify(name)
            handles.add(handle)
            rows.append(
                User(
                    email=f"createur{index}@demo.essaim.test",
                    display_name=name,
                    handle=handle,
                    city=city,
                    bio=bio,
                    password=password,
                    date_joined=self.now - timedelta(days=300 + index),
                )
            )
        # The staff account is one of the people counted, made last: it draws nothing from the
        # generator and joins nothing.
        handles.add(slugify(content.DEMO_STAFF[1]))
        for number in range(self.people_count - len(rows) - 1):
            name = f"{self.rng.choice(content.FIRST_NAMES)} {self.rng.choice(content.LAST_NAMES)}"
            handle = slugify(name)
            if handle in handles:
                handle = f"{handle}-{number}"
            handles.add(handle)
            rows.append(
                User(
                    email=f"membre{number}@demo.essaim.test",
                    display_name=name,
                    handle=handle,
                    city=self.rng.choice(content.CITIES),
                    bio=self.rng.choice(content.BIOS),
                    language="fr" if self.rng.random() < 0.9 else "en",
                    password=password,
                    date_joined=self.past(365),
                )
            )
        email, name, city, bio = content.DEMO_STAFF
        rows.append(
            User(
                email=email,
                display_name=name,
                handle=slugify(name),
                city=city,
                bio=bio,
                password=password,
                is_staff=True,
                date_joined=self.now - timedelta(days=400),
            )
        )
        User.objects.bulk_create(rows, batch_size=BATCH)
        staff = User.objects.get(email=email)
        EmailAddress.objects.create(user=staff, email=email, verified=True, primary=True)
        users = list(
            User.objects.filter(email__endswith="@demo.essaim.test", is_staff=False).order_by("pk")
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
            ],
            batch_size=BATCH,
        )
        self.counts["people"] = len(users) + 1
        return users

    def communities(self, users: list[User]) -> list[Community]:
        rows = []
        for index, (name, city, visibility, join_mode, description) in enumerate(
            content.COMMUNITIES
        ):
            creator = (
                users[index % len(content.DEMO_PEOPLE)] if index < 6 else self.rng.choice(users)
            )
            rows.append(self._community(name, city, visibility, join_mode, description, creator))
        for city in content.CITIES:
            for pattern, visibility, join_mode, description in content.CHAPTERS:
                name = pattern.format(city=city)
                if any(row.name == name for row in rows):
                    continue
                local = [user for user in users if user.city == city] or users
                rows.append(
                    self._community(
                        name,
                        city,
                        visibility,
                        join_mode,
                        description.format(city=city),
                        self.rng.choice(local),
                    )
                )
        Community.objects.bulk_create(rows)
        communities = list(Community.objects.order_by("pk"))
        self.counts["communities"] = len(communities)
        return communities

    def _community(
        self,
        name: str,
        city: str,
        visibility: str,
        join_mode: str,
        description: str,
        creator: User,
    ) -> Community:
        return Community(
            slug=slugify(name),
            name=name,
            city=city,
            visibility=visibility,
            join_mode=join_mode,
            description=description,
            charter=content.CHARTER,
            created_by=creator,
        )

    def memberships(self, users: list[User], communities: list[Community]) -> dict[int, list[User]]:
        """Each person joins one to four communities, most often those of their city."""
        members: dict[int, list[User]] = {community.pk: [] for community in communities}
        rows = []
        for community in communities:
            rows.append(
                Membership(
                    community=community,
                    user=community.created_by,
                    role=Membership.Role.OWNER,
                    created_at=self.past(200),
                )
            )
            members[community.pk].append(community.created_by)
        demo = users[: len(content.DEMO_PEOPLE)]
        for user in users:
            local = [c for c in communities if c.city == user.city]
            wanted = self.rng.randint(1, 4)
            chosen = set(self.rng.sample(local, min(len(local), wanted)))
            while len(chosen) < wanted:
                chosen.add(self.rng.choice(communities))
            if user in demo:
                chosen |= {
                    c for c in communities[: len(content.COMMUNITIES)] if c.visibility == "public"
                }
            # Sorted: a set of models iterates in primary-key hash order, which must not
            # decide the generator's draws (keys differ between databases and runs).
            for community in sorted(chosen, key=lambda c: c.slug):
                if user in members[community.pk]:
                    continue
                pending = community.join_mode == "approval" and self.rng.random() < 0.05
                role = (
                    Membership.Role.MODERATOR
                    if self.rng.random() < 0.02
                    else Membership.Role.MEMBER
                )
                rows.append(
                    Membership(
                        community=community,
                        user=user,
                        role=role,
                        status=Membership.Status.PENDING if pending else Membership.Status.ACTIVE,
                        created_at=self.past(180),
                    )
                )
                if not pending:
                    members[community.pk].append(user)
        Membership.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["memberships"] = len(rows)
        return members

    def follows(self, users: list[User], communities: list[Community]) -> None:
        """A follower graph with a few very followed people (power law) and many modest ones."""
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(users))]
        # Weights fall with rank: the creators first, then the demo people, then everyone
        # else in a random order. `users` starts with the demo people, then the creators.
        demo, creators = len(content.DEMO_PEOPLE), len(content.CREATORS)
        rest = users[demo + creators :]
        self.rng.shuffle(rest)
        order = users[demo : demo + creators] + users[:demo] + rest
        pairs: set[tuple[int, int]] = set()
        for user in users:
            wanted = min(int(self.rng.paretovariate(1.3) * 4), 150)
            for followed in self.rng.choices(order, weights=weights, k=wanted):
                if followed.pk != user.pk:
                    pairs.add((user.pk, followed.pk))
        UserFollow.objects.bulk_create(
            [
                UserFollow(follower_id=a, followed_id=b, created_at=self.past(300))
                for a, b in sorted(pairs)
            ],
            batch_size=BATCH,
        )
        self.counts["follows"] = len(pairs)
        public = [c for c in communities if c.visibility == "public"]
        community_follows = {
            (self.rng.choice(public).pk, user.pk) for user in users if self.rng.random() < 0.4
        }
        CommunityFollow.objects.bulk_create(
            [
                CommunityFollow(community_id=c, user_id=u, created_at=self.past(200))
                for c, u in sorted(community_follows)
            ],
            batch_size=BATCH,
        )
        self.counts["community follows"] = len(community_follows)

    def posts(self, members: dict[int, list[User]]) -> list[Post]:
        rows = []
        for community_id, people in members.items():
            for _number in range(max(10, len(people) // 3)):
                rows.append(
                    Post(
                        community_id=community_id,
                        author=self.rng.choice(people),
                        body=self.rng.choice(content.POSTS),
                        created_at=self.past(60),
                    )
                )
        Post.objects.bulk_create(rows, batch_size=BATCH)
        posts = list(Post.objects.order_by("pk"))
        self.counts["posts"] = len(posts)
        return posts

    def comments_and_likes(self, posts: list[Post], members: dict[int, list[User]]) -> None:
        comments, likes = [], set()
        for post in posts:
            people = members[post.community_id]
            for _number in range(self.rng.randint(0, 4)):
                comments.append(
                    Comment(
                        post=post,
                        author=self.rng.choice(people),
                        body=self.rng.choice(content.COMMENTS),
                        created_at=post.created_at + timedelta(minutes=self.rng.randint(5, 3000)),
                    )
                )
            for _number in range(self.rng.randint(0, 12)):
                likes.add((post.pk, self.rng.choice(people).pk))
        Comment.objects.bulk_create(comments, batch_size=BATCH)
        PostReaction.objects.bulk_create(
            [PostReaction(post_id=p, user_id=u, created_at=self.now) for p, u in likes],
            batch_size=BATCH,
        )
        self.counts["comments"] = len(comments)
        self.counts["likes"] = len(likes)

    def conversations(self, users: list[User]) -> None:
        camille, karim, lucie = users[:3]
        talk = conversation_start(
            sender=karim,
            recipient=camille,
            body="Bonjour Camille, ta perceuse est toujours disponible ?",
        )
        message_send(sender=camille, conversation=talk, body="Oui ! Passe samedi matin.")
        message_send(sender=karim, conversation=talk, body="Parfait, merci beaucoup.")
        conversation_start(
            sender=lucie,
            recipient=camille,
            body="On organise un troc de graines, tu veux en être ?",
        )
        self.counts["conversations"] = 2
