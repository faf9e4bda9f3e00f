"""Swagger UI for ``/docs``, served by each API itself from a pinned package (``swagger-ui-py`` ships the
Swagger UI 5 distribution), so the explorer works on a machine without internet: nothing comes from a CDN.

flask-smorest's page loads ``<OPENAPI_SWAGGER_UI_URL>swagger-ui-bundle.js`` and friends; that prefix is
:data:`ASSETS_URL`, answered by :data:`blp` from the package's ``static`` folder.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from flask import Blueprint, send_from_directory

ASSETS_URL = "/docs/assets/"
ASSETS_DIR = Path(swagger_ui.__file__).parent / "static"
SERVED = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                    "favicon-16x16.png", "favicon-32x32.png"})
ENDPOINT = "swagger_assets.asset"

blp = Blueprint("swagger_assets", __name__)


@blp.route(f"{ASSETS_URL}<string:filename>")
def asset(filename: str):
    if filename not in SERVED:
        return {"code": 404, "status": "Not Found", "message": "Không tìm thấy."}, 404
    response = send_from_directory(ASSETS_DIR, filename, max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
