"""The services' real processes (APIs under gunicorn, relay, consumers) against the real servers, driven over
HTTP only — and killed mid-stream to prove nothing is lost or applied twice."""
