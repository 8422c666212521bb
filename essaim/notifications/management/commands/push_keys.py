"""Make the instance's VAPID key pair for Web Push (README: push notifications)."""

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair as environment lines (PUSH_VAPID_PUBLIC_KEY, "
        "PUSH_VAPID_PRIVATE_KEY). Run once per instance: a new pair cuts off every device "
        "subscribed with the old one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        vapid = Vapid()
        vapid.generate_keys()
        private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public = vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"PUSH_VAPID_PUBLIC_KEY={_base64url(public)}")
        self.stdout.write(f"PUSH_VAPID_PRIVATE_KEY={_base64url(private)}")
