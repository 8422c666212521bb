import re
import uuid

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from essaim.accounts.tests.factories import UserFactory
from essaim.core.tests.xss import XSS_PAYLOADS, dangerous_markup
from essaim.messaging.models import MESSAGE_BODY_MAX_LENGTH, Conversation, Message
from essaim.messaging.selectors import unread_conversation_count
from essaim.messaging.services import conversation_start, message_send

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INBOX = reverse("messaging:inbox")
START = reverse("messaging:start")


def message_list_html(html: str) -> str:
    """The part of a conversation page that holds the messages."""
    return html.split('id="message-list"', 1)[1].split('id="reply-form"', 1)[0]


def idempotency_key_in(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html)
    assert found, "the form carries no idempotency key"
    return found.group(1)


@pytest.fixture
def alice():
    return UserFactory.create(display_name="Alice Martin", language="en")


@pytest.fixture
def bruno():
    return UserFactory.create(display_name="Bruno Petit", language="en")


@pytest.fixture
def conversation(alice, bruno):
    return conversation_start(sender=alice, recipient=bruno, body="Bonjour Bruno")


# Anonymous people are sent to log in, and nothing is stored.


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_log_in(client, conversation, method):
    for url in (INBOX, START, conversation.get_absolute_url()):
        response = getattr(client, method)(url, {"body": "x", "recipient": "personne-1"})
        if method == "post" and url == INBOX:
            assert response.status_code in (302, 405)
            continue
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert Message.objects.count() == 1


# Inbox


def test_inbox_shows_my_conversations_without_e_mail_addresses(client, alice, bruno):
    chloe = UserFactory.create(display_name="Chloé Durand")
    conversation_start(sender=bruno, recipient=alice, body="Une question sur ton offre")
    conversation_start(sender=chloe, recipient=bruno, body="Pas pour Alice")
    client.force_login(alice)

    response = client.get(INBOX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="conversation"') == 1
    assert "Bruno Petit" in html
    assert "Une question sur ton offre" in html
    assert "Chloé Durand" not in html and "Pas pour Alice" not in html
    assert reverse("accounts:profile", args=[bruno.handle]) in html
    for person in (alice, bruno, chloe):
        assert person.email not in html


def test_inbox_marks_unread_conversations_and_the_nav_counts_them(client, alice, bruno):
    conversation_start(sender=bruno, recipient=alice, body="un")
    conversation_start(sender=bruno, recipient=alice, body="deux")
    client.force_login(alice)

    html = client.get(INBOX).content.decode()

    assert '<span class="badge" data-testid="unread">2 unread</span>' in html
    assert re.search(r'data-testid="unread-count">\s*1\s*<', html)


def test_empty_inbox(client, alice):
    client.force_login(alice)

    response = client.get(INBOX)

    assert 'data-testid="inbox-empty"' in response.content.decode()


def test_inbox_query_count_does_not_grow_with_conversations(client, alice):
    def inbox_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        return len(queries)

    client.force_login(alice)
    for _ in range(2):
        conversation_start(sender=UserFactory.create(), recipient=alice, body="Bonjour")
    few = inbox_queries()
    for _ in range(12):
        conversation_start(sender=UserFactory.create(), recipient=alice, body="Bonjour")

    assert inbox_queries() == few
    assert few <= 8


def test_inbox_bounded_with_django_assert(client, alice, django_assert_max_num_queries):
    for _ in range(20):
        other = UserFactory.create()
        started = conversation_start(sender=other, recipient=alice, body="Bonjour")
        message_send(sender=alice, conversation=started, body="Salut")
    client.force_login(alice)

    # session, user, paginator count, inbox rows, other participants, nav unread count
    with django_assert_max_num_queries(8):
        client.get(INBOX)


# Conversation page


def test_participant_sees_bubbles_and_opening_marks_read(client, alice, bruno, conversation):
    message_send(sender=bruno, conversation=conversation, body="Salut Alice\nÀ demain")
    client.force_login(alice)
    assert unread_conversation_count(alice) == 1

    response = client.get(conversation.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    part = message_list_html(html)
    assert part.count('class="bubble mine"') == 1
    assert part.count('class="bubble"') == 1
    assert "Salut Alice<br>À demain" in part
    assert reverse("accounts:profile", args=[bruno.handle]) in html
    assert alice.email not in html and bruno.email not in html
    assert unread_conversation_count(alice) == 0
    assert 'data-testid="unread-count"' not in html


def test_conversation_page_query_count_does_not_grow_with_messages(client, alice, bruno):
    conversation = conversation_start(sender=alice, recipient=bruno, body="0")
    client.force_login(bruno)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(conversation.get_absolute_url()).status_code == 200
        return len(queries)

    few = page_queries()
    for number in range(25):
        message_send(sender=alice if number % 2 else bruno, conversation=conversation, body="x")
    assert page_queries() == few


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_and_nothing_changes(client, conversation, method):
    mallory = UserFactory.create()
    client.force_login(mallory)

    response = getattr(client, method)(
        conversation.get_absolute_url(), {"body": "Je m'invite", "idempotency_key": uuid.uuid4()}
    )
    missing = getattr(client, method)(
        reverse("messaging:conversation", args=[conversation.pk + 999]), {"body": "x"}
    )

    assert response.status_code == missing.status_code == 404
    assert "Bonjour Bruno" not in response.content.decode()
    assert Message.objects.count() == 1
    assert not conversation.participants.filter(user=mallory).exists()


def test_plain_post_stores_and_redirects_back(client, bruno, conversation):
    client.force_login(bruno)

    response = client.post(
        conversation.get_absolute_url(), {"body": "Avec plaisir", "idempotency_key": uuid.uuid4()}
    )

    message = Message.objects.get(sender=bruno)
    assert response.status_code == 302
    assert response.url == f"{conversation.get_absolute_url()}#message-{message.pk}"
    assert message.body == "Avec plaisir"


def test_htmx_post_returns_the_bubble_and_a_fresh_form(client, bruno, conversation):
    client.force_login(bruno)
    key = uuid.uuid4()

    response = client.post(
        conversation.get_absolute_url(),
        {"body": "Avec <b>plaisir</b>", "idempotency_key": key},
        headers=HTMX,
    )

    html = response.content.decode()
    message = Message.objects.get(sender=bruno)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'hx-swap-oob="beforeend:#message-list"' in html
    assert f'id="message-{message.pk}" class="bubble mine"' in html
    assert "Avec &lt;b&gt;plaisir&lt;/b&gt;" in html
    assert 'id="reply-form"' in html
    assert idempotency_key_in(html) != str(key)
    assert re.search(r"<textarea[^>]*>\s*</textarea>", html)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_double_submit_stores_one_message(client, bruno, conversation, headers):
    client.force_login(bruno)
    form = client.get(conversation.get_absolute_url()).content.decode()
    key = idempotency_key_in(form)

    for _ in range(2):
        client.post(
            conversation.get_absolute_url(),
            {"body": "Une seule fois", "idempotency_key": key},
            headers=headers,
        )

    assert Message.objects.filter(sender=bruno, body="Une seule fois").count() == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "A message cannot be empty."),
        ("   ", "A message cannot be empty."),
        ("y" * (MESSAGE_BODY_MAX_LENGTH + 1), "at most 5000 characters"),
    ],
    ids=["empty", "blank", "too-long"],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_bad_reply_shows_an_error_keeps_the_text_and_stores_nothing(
    client, bruno, conversation, body, error, headers
):
    client.force_login(bruno)

    response = client.post(
        conversation.get_absolute_url(),
        {"body": body, "idempotency_key": uuid.uuid4()},
        headers=headers,
    )

    html = response.content.decode()
    assert response.status_code == (200 if headers else 400)
    assert error in html
    assert ("<html" in html) is not bool(headers)
    if body.strip():
        assert body in html
    assert Message.objects.count() == 1


def test_reply_to_a_closed_account_is_refused(client, alice, bruno, conversation):
    alice.is_active = False
    alice.deleted_at = timezone.now()
    alice.save()
    client.force_login(bruno)

    response = client.post(
        conversation.get_absolute_url(), {"body": "Tu es là ?", "idempotency_key": uuid.uuid4()}
    )

    assert response.status_code == 400
    assert "can no longer receive messages" in response.content.decode()
    assert Message.objects.count() == 1
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert 'data-testid="closed"' in page and 'id="reply-form"' not in page


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_in_messages_render_inert(client, alice, bruno, conversation, payload):
    message_send(sender=alice, conversation=conversation, body=payload)
    client.force_login(bruno)

    page = client.get(conversation.get_absolute_url()).content.decode()
    inbox = client.get(INBOX).content.decode()
    fragment = client.post(
        conversation.get_absolute_url(),
        {"body": payload, "idempotency_key": uuid.uuid4()},
        headers=HTMX,
    ).content.decode()

    assert dangerous_markup(message_list_html(page)) == []
    assert dangerous_markup(inbox.split('data-testid="inbox"', 1)[1].split("</main>")[0]) == []
    assert dangerous_markup(fragment) == []
    # Shown as the text that was typed, template syntax included.
    assert escape(payload) in message_list_html(page)


def test_older_messages_are_on_later_pages_without_a_reply_form(client, alice, bruno):
    conversation = conversation_start(sender=alice, recipient=bruno, body="le tout premier")
    for number in range(40):
        message_send(sender=alice, conversation=conversation, body=f"numéro {number}")
    client.force_login(bruno)

    latest = client.get(conversation.get_absolute_url()).content.decode()
    older = client.get(conversation.get_absolute_url(), {"page": 2}).content.decode()

    assert "numéro 39" in latest and "le tout premier" not in latest
    assert "?page=2" in latest and 'id="reply-form"' in latest
    assert "le tout premier" in older and "numéro 39" not in older
    assert 'id="reply-form"' not in older


# Writing to someone from their profile


def test_start_page_prefills_the_recipient(client, alice, bruno):
    client.force_login(alice)

    html = client.get(START, {"to": bruno.handle}).content.decode()

    assert f'value="{bruno.handle}"' in html
    idempotency_key_in(html)


def test_start_posts_then_reuses_the_conversation(client, alice, bruno):
    client.force_login(alice)

    first = client.post(
        START, {"recipient": bruno.handle, "body": "Bonjour", "idempotency_key": uuid.uuid4()}
    )
    second = client.post(
        START, {"recipient": bruno.handle, "body": "Re", "idempotency_key": uuid.uuid4()}
    )

    conversation = Conversation.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == conversation.get_absolute_url()
    assert list(conversation.messages.values_list("body", flat=True)) == ["Bonjour", "Re"]


def test_start_double_submit_stores_one_message(client, alice, bruno):
    client.force_login(alice)
    data = {"recipient": bruno.handle, "body": "Bonjour", "idempotency_key": uuid.uuid4()}

    client.post(START, data)
    client.post(START, data, headers=HTMX)

    assert Message.objects.count() == 1


def test_start_with_htmx_confirms_in_place(client, alice, bruno):
    client.force_login(alice)

    response = client.post(
        START,
        {"recipient": bruno.handle, "body": "Bonjour", "idempotency_key": uuid.uuid4()},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Message sent to Bruno Petit." in html
    assert Conversation.objects.get().get_absolute_url() in html


@pytest.mark.parametrize(
    ("recipient", "body", "error"),
    [
        ("personne-inconnue", "Bonjour", "No one has the handle “personne-inconnue”."),
        ("SELF", "Bonjour", "You cannot send a message to yourself."),
        ("CLOSED", "Bonjour", "This person can no longer receive messages."),
        ("BRUNO", "", "A message cannot be empty."),
        ("BRUNO", "z" * (MESSAGE_BODY_MAX_LENGTH + 1), "at most 5000 characters"),
        ("", "Bonjour", "Say whom the message is for."),
        ("pas un handle !", "Bonjour", "Enter a valid"),
        ("BRUNO+BADKEY", "Bonjour", "Enter a valid UUID."),
    ],
    ids=["unknown", "self", "closed", "empty", "too-long", "no-recipient", "malformed", "bad-key"],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_start_refuses_bad_input_clearly_and_stores_nothing(
    client, alice, bruno, recipient, body, error, headers
):
    closed = UserFactory.create(is_active=False, deleted_at=timezone.now())
    handle = {
        "SELF": alice.handle,
        "CLOSED": closed.handle,
        "BRUNO": bruno.handle,
        "BRUNO+BADKEY": bruno.handle,
    }.get(recipient, recipient)
    key = "pas-une-clé" if recipient == "BRUNO+BADKEY" else str(uuid.uuid4())
    client.force_login(alice)

    response = client.post(
        START, {"recipient": handle, "body": body, "idempotency_key": key}, headers=headers
    )

    html = response.content.decode()
    assert response.status_code == (200 if headers else 400)
    assert error in html.replace("&#x27;", "'")
    assert Conversation.objects.count() == 0
    assert Message.objects.count() == 0


def test_start_form_tag_for_other_domains(alice, bruno):
    template = Template("{% load messaging %}{% message_start_form person %}")
    request = RequestFactory().get("/")

    request.user = alice
    for_bruno = template.render(Context({"request": request, "person": bruno}))
    for_herself = template.render(Context({"request": request, "person": alice}))

    assert f'action="{START}"' in for_bruno
    assert f'name="recipient" value="{bruno.handle}"' in for_bruno
    idempotency_key_in(for_bruno)
    assert for_herself.strip() == ""
