"""`make fuzz`: the four OpenAPI documents tested against the running services with Schemathesis (see
``__main__.py``)."""
