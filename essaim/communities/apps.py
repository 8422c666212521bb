from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "essaim.communities"
    label = "communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        from essaim.accounts import personal_data, trust
        from essaim.communities import personal_data as communities_data
        from essaim.communities.reportable import COMMENT, POST
        from essaim.communities.selectors import (
            community_name_taken,
            kept_comments_of,
            kept_posts_of,
        )
        from essaim.communities.views import profile_posts
        from essaim.core import names, parts, reportable

        personal_data.register(
            "communities", export=communities_data.export, erase=communities_data.erase
        )
        parts.register("accounts.profile", "communities.posts", profile_posts)
        trust.contributions_register("communities.posts", kept_posts_of)
        trust.contributions_register("communities.comments", kept_comments_of)
        reportable.register(POST)
        reportable.register(COMMENT)
        names.register(community_name_taken)
