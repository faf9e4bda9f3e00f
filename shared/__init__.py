"""motcua's shared package: what every service uses (configuration, events, Kafka, MongoDB, auth, API plumbing).

Nothing here knows about a particular service's collections: services never share collections, they share
only this code and the Kafka topics declared in :mod:`shared.events.topics`.
"""
