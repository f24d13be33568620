"""Key material of the sandbox providers, generated locally (never a real provider's key).

WeChat Pay v3 and Alipay both sign with RSA-2048/SHA-256 (Alipay calls it RSA2), so the sandbox
does too: each provider has a platform key pair (it signs notifications with the private half, we
verify with the public half) and WeChat Pay has a 32-byte APIv3 key for AES-256-GCM resources.
The pairs live under var/ so every process of one installation (server, worker, tests) agrees.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

KEY_DIR_NAME = "sandbox-keys"


def _key_dir() -> Path:
    path = Path(settings.VAR_DIR) / KEY_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def platform_private_key(provider: str) -> rsa.RSAPrivateKey:
    path = _key_dir() / f"{provider}-platform.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Write then rename: a second process never reads half a key.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pem)
        os.replace(partial, path)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


@functools.cache
def platform_public_key(provider: str) -> rsa.RSAPublicKey:
    return platform_private_key(provider).public_key()


def platform_serial(provider: str) -> str:
    """The certificate serial number WeChat Pay puts in `Wechatpay-Serial`."""
    der = platform_public_key(provider).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:40].upper()


def wechat_api_v3_key() -> bytes:
    return hashlib.sha256(f"{settings.SECRET_KEY}:wechat-apiv3".encode()).digest()
