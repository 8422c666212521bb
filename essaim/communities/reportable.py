"""Posts and comments, as moderation sees them: reportable by whoever may read the community;
handled by its moderators; hidden and labelled through this domain's services."""

from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import User
from essaim.communities.models import Comment, Post
from essaim.communities.selectors import content_visible_q
from essaim.communities.services import post_moderation_set
from essaim.core.reportable import Reportable, disputed_note_set, moderation_set


def _find_post(pk: int, viewer: User) -> Post | None:
    return (
        Post.objects.filter(content_visible_q(viewer))
        .select_related("community", "author")
        .filter(pk=pk)
        .first()
    )


def _find_comment(pk: int, viewer: User) -> Comment | None:
    return (
        Comment.objects.filter(content_visible_q(viewer, prefix="post__"))
        .select_related("post__community", "author")
        .filter(pk=pk)
        .first()
    )


POST = Reportable(
    kind="post",
    model=Post,
    label=_("post"),
    description=_("a post by %(name)s"),
    find=_find_post,
    author=lambda post: post.author,
    preview=lambda post: post.body[:1000],
    url=lambda post: post.get_absolute_url(),
    community_id=lambda post: post.community_id,
    set_state=post_moderation_set,
    set_disputed=disputed_note_set,
)

COMMENT = Reportable(
    kind="comment",
    model=Comment,
    label=_("comment"),
    description=_("a comment by %(name)s"),
    find=_find_comment,
    author=lambda comment: comment.author,
    preview=lambda comment: comment.body[:1000],
    url=lambda comment: f"{comment.post.get_absolute_url()}#comment-{comment.pk}",
    community_id=lambda comment: comment.post.community_id,
    set_state=moderation_set,
    set_disputed=disputed_note_set,
)
