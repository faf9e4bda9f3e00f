from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from services.postal.provider.schemas import StatusUpdate
from services.postal.shipments import service
from services.postal.storage import SEEN_SIGNATURES, db
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import requires, webhook_signature

blp = Blueprint("provider", __name__, url_prefix="/provider", description="Callbacks of the postal provider")


class UpdateAnswer(Schema):
    outcome = fields.String(metadata={"enum": ["applied", "duplicate", "stale"]})
    status = fields.String()


@blp.route("/webhooks")
class Webhooks(MethodView):
    @requires(webhook_signature(lambda: service_context().settings.postal_webhook_secret,
                                seen=lambda: db()[SEEN_SIGNATURES]))
    @blp.arguments(StatusUpdate)
    @blp.response(200, UpdateAnswer)
    def post(self, update):
        """A shipment status update from the provider, signed with the shared secret (HMAC of timestamp and
        body). A request replayed with the same signature is refused (409); an unknown tracking code is 404;
        the same update again (by its event id) is ``duplicate``; an update older than the shipment's status
        is ``stale`` — kept in the history, never moving the shipment backwards."""
        settings = service_context().settings
        doc, change = service.apply_provider_update(db(), settings, update["tracking_code"], update)
        return {"outcome": change.outcome, "status": doc["status"]}
