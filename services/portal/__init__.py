"""The web front: the citizen portal and the officer console, in Vietnamese (issue #11).

A Flask app under gunicorn that talks to intake, workflow, notify and postal **only through their HTTP APIs**,
with the signed-in person's token kept server-side in the session. It owns no business rule and no collection
of another service; its own database holds sessions and filing drafts only. Pages are server-rendered (Jinja2)
and work with JavaScript off.
"""

SERVICE = "portal"
