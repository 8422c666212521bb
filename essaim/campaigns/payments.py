"""The payment provider interface, shaped like a real provider's (Stripe's): an intent is
created for an amount with an idempotency key, confirmed by the donor, reported back by a
signed webhook, and may be refunded. `OfflineProvider` is the demo's and the tests' provider:
it confirms at once and moves no money.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class Intent:
    reference: str
    status: str  # "requires_confirmation", "succeeded" or "failed"
    client_secret: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    reference: str
    status: str  # "succeeded", "failed" or "refunded"


class PaymentError(Exception):
    """The provider refused or failed; nothing was charged."""


class PaymentProvider(Protocol):
    name: str

    def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, description: str
    ) -> Intent: ...

    def confirm(self, *, reference: str) -> Intent: ...

    def refund(self, *, reference: str, amount: int) -> None: ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent: ...


class OfflineProvider:
    """Succeeds at once; the same idempotency key always gives the same intent."""

    name = "offline"

    def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, description: str
    ) -> Intent:
        if amount <= 0:
            raise PaymentError("amount must be positive")
        return Intent(reference=f"offline_{idempotency_key}", status="requires_confirmation")

    def confirm(self, *, reference: str) -> Intent:
        return Intent(reference=reference, status="succeeded")

    def refund(self, *, reference: str, amount: int) -> None:
        return None

    def _signature(self, payload: bytes) -> str:
        return hmac.new(settings.SECRET_KEY.encode(), payload, hashlib.sha256).hexdigest()

    def sign_webhook(self, event: WebhookEvent) -> tuple[bytes, str]:
        """For tests and the demo: a webhook as the provider would send it."""
        payload = json.dumps({"reference": event.reference, "status": event.status}).encode()
        return payload, self._signature(payload)

    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookEvent:
        if not hmac.compare_digest(self._signature(payload), signature):
            raise PaymentError("bad webhook signature")
        data = json.loads(payload)
        return WebhookEvent(reference=str(data["reference"]), status=str(data["status"]))


PROVIDERS: dict[str, PaymentProvider] = {"offline": OfflineProvider()}


def provider(name: str | None = None) -> PaymentProvider:
    chosen = name or settings.PAYMENT_PROVIDER
    return PROVIDERS[chosen]
