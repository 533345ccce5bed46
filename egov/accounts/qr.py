"""The authenticator app's enrolment QR code, drawn on the server as inline SVG (no JavaScript)."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice


def _issuer() -> str:
    return str(getattr(settings, "EGOV_OPERATOR_NAME", "") or "egov")


def totp_uri(device: TOTPDevice, *, account: str) -> str:
    """The otpauth:// URI authenticator apps read (Google Authenticator key URI format)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    issuer = _issuer()
    label = quote(f"{issuer}:{account}")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
            f"&algorithm=SHA1&digits={device.digits}&period={device.step}")


def totp_qr_svg(device: TOTPDevice, *, account: str) -> str:
    """An SVG element (no XML declaration) to embed in the page."""
    image = qrcode.make(totp_uri(device, account=account), image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    assert isinstance(svg, str)
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" class="egov-qr" ', 1)


def totp_secret_groups(device: TOTPDevice) -> list[str]:
    """The secret in groups of four letters, for typing it in when the camera cannot be used."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return [secret[i:i + 4] for i in range(0, len(secret), 4)]
