"""The intake API."""

from __future__ import annotations

from flask import Flask

from services.intake import SERVICE
from services.intake.accounts.resources import blp as accounts_blp
from services.intake.attachments.resources import blp as attachments_blp
from services.intake.counter.resources import blp as counter_blp
from services.intake.dossiers.resources import blp as dossiers_blp
from services.intake.lookup.resources import blp as lookup_blp
from services.intake.postal_filings.resources import blp as postal_blp
from services.intake.procedures.resources import blp as procedures_blp
from shared.api.app import create_service_app
from shared.auth.tokens import TokenIssuer, signing_key
from shared.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = create_service_app(
        service=SERVICE,
        title="motcua intake",
        description="Receiving dossiers (online, at the counter, by post), dossier codes, public look-up, "
                    "accounts and sign-in.",
        blueprints=[accounts_blp, procedures_blp, dossiers_blp, counter_blp, postal_blp, lookup_blp,
                    attachments_blp],
        settings=settings,
    )
    # Intake holds the accounts, so it alone signs tokens; every service verifies them.
    app.extensions["motcua"].extras["token_issuer"] = TokenIssuer(signing_key(settings), settings)
    return app
