"""A new VAPID key pair for Web Push (docs/pwa.md), printed as the two lines of the environment file.

The keys are made by py_vapid (on the cryptography library): a P-256 private key as its 32 raw bytes and the
public key as its uncompressed point, both base64url without padding, which is what pywebpush and the
browsers' ``applicationServerKey`` read. Changing the pair later makes every browser subscribe again.
"""

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand
from py_vapid import Vapid02

from notifications.push import b64url


class Command(BaseCommand):
    help = "產生一組 Web Push 的 VAPID 金鑰（印出 WEBPUSH_VAPID_PUBLIC_KEY 與 WEBPUSH_VAPID_PRIVATE_KEY 兩行）。"

    def handle(self, *args, **options):
        vapid = Vapid02()
        vapid.generate_keys()
        private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public = vapid.public_key.public_bytes(
encoding=Encoding.X962, format=PublicFormat.UncompressedPoint)
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={b64url(public)}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={b64url(private)}")
