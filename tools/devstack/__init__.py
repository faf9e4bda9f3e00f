"""The local stack without Docker: Kafka (plain java), FerretDB (our build), an SMTP server that keeps every
message, and the services' processes. `make run` and the test suite both start the system through here."""
