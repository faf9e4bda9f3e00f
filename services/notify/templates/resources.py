from __future__ import annotations

from flask.views import MethodView

from services.notify.delivery.sms_text import prepare
from services.notify.templates.library import SAMPLE, SMS, TEMPLATES_LIST, get_template, versions
from services.notify.templates.schemas import PreviewRequest, PreviewView, TemplateView
from shared.api.app import service_context
from shared.api.parsing import Blueprint
from shared.auth.policy import officer, requires
from shared.auth.roles import OFFICER_ROLES
from shared.domain.errors import NotFound

blp = Blueprint("templates", __name__, url_prefix="/templates", description="Message templates, versioned")


def _versions_of(template_id: str):
    found = versions(template_id)
    if not found:
        raise NotFound(f"Không có mẫu thông báo {template_id}.")
    return found


@blp.route("")
class Templates(MethodView):
    @requires(officer(*OFFICER_ROLES))
    @blp.response(200, TemplateView(many=True))
    def get(self):
        """Every template at every version."""
        return TEMPLATES_LIST


@blp.route("/<string:template_id>")
class TemplateVersions(MethodView):
    @requires(officer(*OFFICER_ROLES))
    @blp.response(200, TemplateView(many=True))
    def get(self, template_id):
        """The versions of one template, oldest first."""
        return _versions_of(template_id)


@blp.route("/<string:template_id>/preview")
class Preview(MethodView):
    @requires(officer(*OFFICER_ROLES))
    @blp.arguments(PreviewRequest)
    @blp.response(200, PreviewView)
    def post(self, request, template_id):
        """The template rendered on each of its channels, with the sample data or the fields given; the SMS
        as it would be sent (folded to GSM-7 unless Unicode is configured) with its number of parts."""
        try:
            template = get_template(template_id, request.get("version"))
        except LookupError:
            raise NotFound(f"Không có mẫu thông báo {template_id}"
                           + (f" phiên bản {request['version']}." if request.get("version") else ".")) from None
        personalisation = {name: SAMPLE.get(name, f"[{name}]") for name in template.fields}
        personalisation.update(request["personalisation"])
        unicode = service_context().settings.sms_unicode
        channels = {}
        for channel in template.channels:
            content = template.render(channel, personalisation)
            if channel == SMS:
                body = prepare(content["text"], unicode=unicode)
                content = {"text": content["text"], "sms": {"as_written": content["text"], "as_sent": body.text,
                                                          "encoding": body.encoding, "characters": body.units,
                                                          "segments": body.segments}}
            channels[channel] = content
        return {"template_id": template.id, "version": template.version, "personalisation": personalisation,
                "channels": channels}
