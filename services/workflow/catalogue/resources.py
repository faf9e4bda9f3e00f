from __future__ import annotations

import yaml
from flask import request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields

from services.workflow.catalogue import service
from services.workflow.catalogue.importer import import_all
from services.workflow.catalogue.schemas import ImportReportSchema, ImportSchema, PublishSchema
from services.workflow.storage import db
from shared.api.app import service_context
from shared.api.idempotency import IdempotencyKey, created
from shared.api.parsing import Blueprint, RequestRefused, parse_json, unreadable
from shared.auth.policy import PUBLIC, current_principal, officer, requires
from shared.auth.roles import Role
from shared.domain.catalogue import DRAFT, PUBLISHED_VERSION, AgencySchema, ProcedureSchema, ProcedureVersionSchema
from shared.domain.errors import NotFound, Rejected

blp = Blueprint("catalogue", __name__, url_prefix="/catalogue",
                description="Agencies and procedures (public to read; administrators change them)")

ADMIN = officer(Role.ADMIN)


def _settings():
    return service_context().settings


@blp.route("/agencies")
class Agencies(MethodView):
    @requires(PUBLIC)
    @blp.response(200, AgencySchema(many=True))
    def get(self):
        """Every agency of the registry, abolished ones included (old dossiers still name them)."""
        return service.agencies(db())


@blp.route("/agencies/<string:code>")
class AgencyItem(MethodView):
    @requires(PUBLIC)
    @blp.response(200, AgencySchema)
    def get(self, code):
        """One agency."""
        return service.agency(db(), code)

    @requires(ADMIN)
    @blp.arguments(AgencySchema)
    @blp.response(200, AgencySchema)
    def put(self, agency, code):
        """Add or change an agency; the change is published to the other services."""
        if agency["code"] != code:
            raise Rejected("Mã cơ quan trong nội dung khác với đường dẫn.", {"json": {"code": [f"Phải là {code}."]}})
        saved, _ = service.save_agency(db(), _settings(), agency, current_principal())
        return saved


class AgencyProceduresSchema(Schema):
    receives = fields.List(fields.Nested(ProcedureVersionSchema))
    decides = fields.List(fields.Nested(ProcedureVersionSchema))


@blp.route("/agencies/<string:code>/procedures")
class AgencyProcedures(MethodView):
    @requires(PUBLIC)
    @blp.response(200, AgencyProceduresSchema)
    def get(self, code):
        """The procedures this agency receives (its one-stop desk) and those it decides."""
        return service.procedures_of(db(), code)


@blp.route("/procedures")
class Procedures(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ProcedureVersionSchema(many=True))
    def get(self):
        """Every procedure, in the version in force today."""
        return service.current_procedures(db())

    @requires(ADMIN)
    @blp.arguments(IdempotencyKey, location="headers", as_kwargs=True)
    @blp.arguments(ProcedureSchema)
    @blp.response(201, ProcedureVersionSchema)
    @blp.alt_response(200, schema=ProcedureVersionSchema, description="replayed: the draft made under this key")
    def post(self, procedure, idempotency_key):
        """Start a new version of a procedure, as a draft (the next version number)."""
        draft, new = service.create_draft(db(), _settings(), procedure, current_principal(), idempotency_key)
        return created(draft, new, f"/catalogue/procedures/{draft['code']}/versions/{draft['version']}")


@blp.route("/drafts")
class Drafts(MethodView):
    @requires(ADMIN)
    @blp.response(200, ProcedureVersionSchema(many=True))
    def get(self):
        """Every draft procedure version not published yet, by procedure code (administrators)."""
        return service.drafts(db())


def _is_admin() -> bool:
    principal = current_principal()
    return bool(principal and principal.has_role(Role.ADMIN))


@blp.route("/procedures/<string:code>/versions")
class ProcedureVersions(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ProcedureVersionSchema(many=True))
    def get(self, code):
        """Every published version of a procedure, oldest first, with its validity window (and the drafts, for
        administrators)."""
        return [v for v in service.versions(db(), code) if v["status"] == PUBLISHED_VERSION or _is_admin()]


@blp.route("/procedures/<string:code>/versions/<int:version>")
class ProcedureVersionItem(MethodView):
    @requires(PUBLIC)
    @blp.response(200, ProcedureVersionSchema)
    def get(self, code, version):
        """One version (drafts only for administrators)."""
        found = service.procedure_version(db(), code, version)
        if found["status"] == DRAFT and not _is_admin():
            raise NotFound(f"Không có phiên bản {version} của thủ tục {code}.")
        return found

    @requires(ADMIN)
    @blp.arguments(ProcedureSchema)
    @blp.response(200, ProcedureVersionSchema)
    def put(self, procedure, code, version):
        """Change a draft. Published versions never change: start a new version instead."""
        return service.update_draft(db(), _settings(), code, version, procedure, current_principal())


@blp.route("/procedures/<string:code>/versions/<int:version>/publish")
class PublishProcedure(MethodView):
    @requires(ADMIN)
    @blp.arguments(PublishSchema)
    @blp.response(200, ProcedureVersionSchema)
    def post(self, args, code, version):
        """Publish a draft from a date; its internal process must add up to the legal time limit
        (Circular 01/2018 Art. 8)."""
        return service.publish(db(), _settings(), code, version, valid_from=args["valid_from"],
                               valid_until=args.get("valid_until"), actor=current_principal())


@blp.route("/import")
class Import(MethodView):
    @requires(ADMIN)
    @blp.response(200, ImportReportSchema)
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": ImportSchema}, "application/yaml": {"schema": ImportSchema}}})
    def post(self):
        """Import agencies, procedures and calendar announcements from a JSON or YAML document."""
        return import_all(db(), _settings(), _import_body(), current_principal())


def _import_body() -> dict:
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise Rejected("Thiếu nội dung danh mục cần nhập (JSON hoặc YAML).", {"body": ["Không được để trống."]})
    try:
        parsed = yaml.safe_load(raw.decode("utf-8")) if "yaml" in (request.mimetype or "") else parse_json(raw)
    except RequestRefused as refused:
        unreadable(refused.message, "body")
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        unreadable("Nội dung không phải JSON/YAML hợp lệ" + (f" (dòng {mark.line + 1})." if mark else "."), "body")
    try:
        return ImportSchema().load(parsed if parsed is not None else {})
    except ValidationError as exc:
        raise Rejected("Dữ liệu không hợp lệ. Vui lòng kiểm tra các trường được nêu.", {"json": exc.messages}) from None
