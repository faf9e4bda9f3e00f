"""Signed access tokens (JWT, EdDSA over Ed25519).

The intake service, which holds the accounts, signs tokens with the private key; every service verifies them
with the public key(s), so a compromised verifier cannot mint tokens. Several verification keys may be
configured at once to rotate the signing key without logging everyone out; the token's ``kid`` picks one.

Claims: ``sub`` (account id), ``kind`` (applicant, officer or service), ``roles``, ``agency`` (an officer's
QCVN 102 agency code), ``name``, plus ``iss``, ``aud``, ``iat``, ``exp`` and ``jti``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.auth.principal import Principal
from shared.auth.roles import PrincipalKind
from shared.config import ConfigError


class InvalidToken(Exception):
    pass


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")


class TokenIssuer:
    def __init__(self, private_key: Ed25519PrivateKey, settings) -> None:
        self.private_key = private_key
        self.kid = key_id(private_key.public_key())
        self.settings = settings

    def issue(self, principal: Principal, ttl_seconds: int | None = None) -> str:
        now = datetime.now(UTC)  # the real clock: PyJWT checks expiry against it, whatever the business clock
        ttl = ttl_seconds or self.settings.auth_token_ttl_seconds
        claims = {
            "iss": self.settings.auth_issuer,
            "aud": self.settings.auth_audience,
            "sub": principal.subject,
            "kind": principal.kind.value,
            "roles": sorted(principal.roles),
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            "jti": uuid.uuid4().hex,
        }
        if principal.agency_code:
            claims["agency"] = principal.agency_code
        if principal.name:
            claims["name"] = principal.name
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


class TokenVerifier:
    def __init__(self, public_keys: list[Ed25519PublicKey], settings) -> None:
        if not public_keys:
            raise ConfigError("no token verification key configured (AUTH_VERIFY_KEY_FILES)")
        self.keys = {key_id(key): key for key in public_keys}
        self.settings = settings

    def verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.get(kid)
            if key is None:
                raise InvalidToken("signed with an unknown key")
            claims = jwt.decode(
                token, key, algorithms=["EdDSA"], audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer, options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return Principal(
                subject=claims["sub"],
                kind=PrincipalKind(claims["kind"]),
                roles=frozenset(claims.get("roles", [])),
                agency_code=claims.get("agency"),
                name=claims.get("name"),
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise InvalidToken(str(exc)) from exc


# -- key material ---------------------------------------------------------------------------------------

def _load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 private key")
    return key


def _load_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} is not an Ed25519 public key")
    return key


def _dev_private_key(directory: Path) -> Ed25519PrivateKey:
    """Outside production, a key pair generated once per checkout; safe when several processes start at once
    (the first hard link wins, the others read it)."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / "token-signing.pem"
    if not private_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        tmp = directory / f".token-signing.{os.getpid()}.{uuid.uuid4().hex}"
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        try:
            os.link(tmp, private_path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = _load_private(private_path)
    public_path = directory / "token-verify.pem"
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def signing_key(settings) -> Ed25519PrivateKey:
    if settings.auth_signing_key_file:
        return _load_private(Path(settings.auth_signing_key_file))
    if settings.is_production:
        raise ConfigError("AUTH_SIGNING_KEY_FILE must be set in production")
    return _dev_private_key(Path(settings.auth_dev_key_dir))


def verification_keys(settings) -> list[Ed25519PublicKey]:
    files = [p.strip() for p in settings.auth_verify_key_files.split(",") if p.strip()]
    if files:
        return [_load_public(Path(p)) for p in files]
    if settings.is_production:
        raise ConfigError("AUTH_VERIFY_KEY_FILES must be set in production")
    return [signing_key(settings).public_key()]
