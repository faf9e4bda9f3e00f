"""Kafka: producers and consumers configured for no loss, the consumer runner with retry and DLQ topics."""
