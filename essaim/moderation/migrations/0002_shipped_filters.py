"""The word and domain lists Essaim ships, in French and English; admins edit them in the
admin. Slurs and threats are held for review rather than blocked (a word quoted to denounce it
is not hate), spam phrases and throw-away link domains are flagged or held."""

from django.db import migrations

# (kind, pattern, effect, language, reason)
RULES = [
    # Hate: slurs and dehumanising phrases, French.
    ("word", "sale arabe", "hold", "fr", "hate"),
    ("word", "sale noir", "hold", "fr", "hate"),
    ("word", "sale juif", "hold", "fr", "hate"),
    ("word", "sale pédé", "hold", "fr", "hate"),
    ("word", "bougnoule", "hold", "fr", "hate"),
    ("word", "youpin", "hold", "fr", "hate"),
    ("word", "bamboula", "hold", "fr", "hate"),
    ("word", "sous-homme", "hold", "fr", "hate"),
    ("word", "retourne dans ton pays", "hold", "fr", "hate"),
    ("word", "rentrez chez vous", "flag", "fr", "hate"),
    ("word", "grand remplacement", "flag", "fr", "misleading"),
    # Harassment and threats, French.
    ("word", "je vais te tuer", "hold", "fr", "harassment"),
    ("word", "crève", "flag", "fr", "harassment"),
    ("word", "suicide-toi", "hold", "fr", "harassment"),
    # Hate, English.
    ("word", "subhuman", "hold", "en", "hate"),
    ("word", "go back to your country", "hold", "en", "hate"),
    ("word", "kike", "hold", "en", "hate"),
    ("word", "raghead", "hold", "en", "hate"),
    ("word", "wetback", "hold", "en", "hate"),
    ("word", "tranny", "hold", "en", "hate"),
    ("word", "great replacement", "flag", "en", "misleading"),
    # Harassment and threats, English.
    ("word", "kill yourself", "hold", "en", "harassment"),
    ("word", "i will kill you", "hold", "en", "harassment"),
    # Spam, both languages.
    ("word", "acheter des followers", "hold", "fr", "spam"),
    ("word", "gagnez de l'argent facilement", "hold", "fr", "spam"),
    ("word", "casino en ligne", "hold", "fr", "spam"),
    ("word", "buy followers", "hold", "en", "spam"),
    ("word", "double your bitcoin", "block", "en", "spam"),
    ("word", "doublez vos bitcoins", "block", "fr", "spam"),
    ("word", "crypto giveaway", "hold", "en", "spam"),
    ("word", "make money fast", "hold", "en", "spam"),
    # Domains: link shorteners hide where a link goes; known spam hosts are blocked.
    ("domain", "bit.ly", "flag", "", "spam"),
    ("domain", "tinyurl.com", "flag", "", "spam"),
    ("domain", "t.ly", "flag", "", "spam"),
    ("domain", "grabify.link", "block", "", "spam"),
    ("domain", "iplogger.org", "block", "", "spam"),
]


def ship(apps, schema_editor):  # type: ignore[no-untyped-def]
    FilterRule = apps.get_model("moderation", "FilterRule")
    for kind, pattern, effect, language, reason in RULES:
        FilterRule.objects.get_or_create(
            kind=kind,
            pattern=pattern,
            defaults={"effect": effect, "language": language, "reason": reason},
        )


def unship(apps, schema_editor):  # type: ignore[no-untyped-def]
    FilterRule = apps.get_model("moderation", "FilterRule")
    for kind, pattern, *_rest in RULES:
        FilterRule.objects.filter(kind=kind, pattern=pattern).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
