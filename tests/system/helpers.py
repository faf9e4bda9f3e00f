from __future__ import annotations

import uuid

import pymongo
import requests

from tests.support import factories
from tests.support.concurrency import committed
from tools.devstack.mail import read_messages
from tools.devstack.stack import Stack

CONSUMER_GROUPS = ("workflow", "notify", "postal")
# The services a dossier filed online passes through until its result is returned, by post or at the desk. A test
# that needs no other starts only these: the other services' idle processes would take CPU from it on 2 cores.
FILING_PATH = ("intake", *CONSUMER_GROUPS)


def sign_up(deployment: Stack) -> dict[str, str]:
    """Registers an applicant through the intake API and signs in; returns the Authorization header."""
    intake = deployment.url("intake")
    username, password = f"cd.{uuid.uuid4().hex[:10]}", "mat-khau-cong-dan"
    registered = requests.post(f"{intake}/accounts/applicants", timeout=10, json={
        "username": username, "password": password, "full_name": "Nguyễn Thị Hoà"})
    assert registered.status_code == 201, registered.text
    token = requests.post(f"{intake}/auth/token", json={"username": username, "password": password}, timeout=10)
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


SEED_AGENCY = "000.00.01.H11"  # Cao Bằng's provincial centre, which receives 1.001806


def upload(deployment: Stack, auth: dict[str, str], content: bytes | None = None, name: str = "tep.pdf") -> str:
    """Uploads a real file to intake as the holder of ``auth``; returns the upload's id."""
    sent = requests.post(f"{deployment.url('intake')}/uploads", headers=auth, timeout=10,
                         files={"file": (name, content or factories.pdf_bytes(), "application/pdf")})
    assert sent.status_code == 201, sent.text
    return sent.json()["id"]


def submit(deployment: Stack, auth: dict[str, str], **overrides) -> dict:
    """Files online with a real uploaded PDF for each attachment."""
    body = factories.submission(**{"receiving_agency_code": SEED_AGENCY, **overrides})
    body = factories.referencing(body, [upload(deployment, auth, name=a["file_name"]) for a in body["attachments"]])
    response = requests.post(f"{deployment.url('intake')}/dossiers", json=body, headers=auth, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def db(deployment: Stack, service: str):
    client = pymongo.MongoClient(deployment.mongo.uri, tz_aware=True)
    return client[deployment.settings().database_name(service)]


def consumed(deployment: Stack, group: str) -> int:
    """How many records of the dossier topic the service's consumer group has committed."""
    return committed(deployment.kafka.bootstrap, f"{deployment.topic_prefix}{group}",
                     f"{deployment.topic_prefix}intake.dossiers")


def mail_about(deployment: Stack, dossier: dict) -> list:
    """Messages about a dossier (its code, to its contact address: codes repeat across test deployments)."""
    return [m for m in read_messages(deployment.maildir)
            if m["X-Motcua-Dossier-Code"] == dossier["code"] and m["To"] == dossier["contact"]["email"]]
