"""Covers: re-encoded as WebP at responsive widths, without the upload's metadata, described."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import Image

from essaim.campaigns.models import Campaign
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.core.images import cover_variants, delete_cover, store_cover


def _photo(
    width: int, height: int, *, image_format: str = "JPEG", turned: bool = True
) -> SimpleUploadedFile:
    """A photo as a phone sends it: EXIF with the camera, where it was taken, and a rotation."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if turned:
        exif[0x0112] = 6  # Orientation: turn 90° clockwise to show
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPSLatitude
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif.tobytes())
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_cover_is_stored_upright_at_each_width_as_webp_without_metadata():
    # 1000 × 2400 as stored, 2400 × 1000 once turned upright by its EXIF orientation.
    name = store_cover(_photo(1000, 2400), folder="covers/test", stem="bievre")

    variants = cover_variants(name)

    assert [(width, height) for _, width, height in variants] == [
        (480, 200),
        (960, 400),
        (1600, 667),
    ]
    for stored, width, height in variants:
        with default_storage.open(stored) as file, Image.open(file) as image:
            assert (image.format, image.size) == ("WEBP", (width, height))
            assert not image.getexif()
            assert not {"exif", "xmp", "icc_profile"} & set(image.info)
    delete_cover(name)
    assert not any(default_storage.exists(stored) for stored, _, _ in variants)


def test_a_small_cover_is_never_enlarged():
    name = store_cover(
        _photo(300, 200, image_format="PNG", turned=False), folder="covers/test", stem="s"
    )
    assert [(width, height) for _, width, height in cover_variants(name)] == [(300, 200)]


def test_the_cover_tag_lists_every_width_lazily_with_its_description():
    name = store_cover(_photo(1200, 600, turned=False), folder="covers/test", stem="tag")
    campaign = Campaign(cover=name, cover_alt='Des kayaks "sur" la Bièvre')

    html = Template("{% load essaim %}{% cover_image campaign.cover campaign.cover_alt %}").render(
        Context({"campaign": campaign})
    )

    assert f"/media/{name.replace('_1200x600', '_480x240')} 480w" in html
    assert f"/media/{name} 1200w" in html
    assert 'loading="lazy"' in html
    assert 'width="1200" height="600"' in html
    assert 'alt="Des kayaks &quot;sur&quot; la Bièvre"' in html


@pytest.mark.django_db
def test_a_host_uploads_a_cover_and_the_card_shows_it_resized(client):
    campaign = CampaignFactory.create()
    client.force_login(campaign.created_by)
    fields = {
        "section": "campaign",
        "title": campaign.title,
        "summary": campaign.summary,
        "category": campaign.category,
        "body": "",
    }

    refused = client.post(
        reverse("campaigns:manage", args=[campaign.slug]),
        {**fields, "cover": _photo(2000, 1000)},
    )
    campaign.refresh_from_db()
    assert refused.status_code == 400
    # In the host's language (the factory's people read French).
    assert "Merci de décrire l'image." in refused.content.decode().replace("&#x27;", "'")
    assert not campaign.cover

    client.post(
        reverse("campaigns:manage", args=[campaign.slug]),
        {**fields, "cover": _photo(2000, 1000), "cover_alt": "Des kayaks sur la Bièvre"},
    )
    campaign.refresh_from_db()
    cards = client.get(reverse("campaigns:list")).content.decode()

    # Turned upright: the photo was taken holding the phone upright.
    assert campaign.cover.name.endswith("_1000x2000.webp")
    assert campaign.cover_alt == "Des kayaks sur la Bièvre"
    assert " 480w, " in cards
    assert 'alt="Des kayaks sur la Bièvre"' in cards
