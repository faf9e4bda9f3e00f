"""Inspect and replay dead-lettered events.

    python -m shared.bus.dlq list   --topic intake.dossiers
    python -m shared.bus.dlq replay --topic intake.dossiers [--group workflow] [--event-id ID]

``replay`` puts each matching record back on the topic it came from, with its original key (so it keeps its
dossier's partition) and without the failure headers. Consumers deduplicate by ``event_id``, so replaying a
record twice, or one that another group already applied, changes nothing; only the group that failed
applies it. The DLQ itself is never modified: it is the record of what went wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from shared.bus.consumer import Headers, decode_headers
from shared.bus.kafka import producing, read_topic
from shared.config import get_settings
from shared.events.topics import Topic, topic_names


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def event_id(self) -> str:
        return self.headers.get("event_id", "")

    @property
    def group(self) -> str:
        return self.headers.get(Headers.GROUP, "")


def read_dead_letters(settings, topic: Topic) -> list[DeadLetter]:
    """Every record currently in ``<topic>.dlq``, oldest first per partition."""
    try:
        records = read_topic(settings, topic_names(settings).dlq(topic))
    except KeyError as exc:
        raise SystemExit(str(exc)) from None
    return [DeadLetter(r.partition, r.offset, r.key, r.value, decode_headers(r)) for r in records]


def replay(settings, letters: list[DeadLetter]) -> int:
    with producing(settings, client_id="motcua-dlq-replay") as producer:
        futures = []
        for letter in letters:
            headers = [(k, v.encode()) for k, v in letter.headers.items() if k not in Headers.ALL_X]
            headers.append((Headers.REPLAYED_AT, str(int(time.time() * 1000)).encode()))
            futures.append(producer.send(letter.headers[Headers.ORIGINAL_TOPIC], key=letter.key,
                                         value=letter.value, headers=headers))
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        return len(futures)


def _select(letters: list[DeadLetter], group: str | None, event_id: str | None) -> list[DeadLetter]:
    return [letter for letter in letters
            if (group is None or letter.group == group) and (event_id is None or letter.event_id == event_id)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.bus.dlq", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("list", "replay"))
    parser.add_argument("--topic", required=True, choices=[t.value for t in Topic], help="logical topic")
    parser.add_argument("--group", help="only records dead-lettered by this consumer group (e.g. workflow)")
    parser.add_argument("--event-id", help="only this event")
    args = parser.parse_args(argv)

    settings = get_settings()
    letters = _select(read_dead_letters(settings, Topic(args.topic)), args.group, args.event_id)
    if args.command == "list":
        for letter in letters:
            h = letter.headers
            print(f"{letter.partition}:{letter.offset}\t{letter.event_id}\t{h.get('type', '?')}\t"
                  f"group={letter.group}\tattempt={h.get(Headers.ATTEMPT)}\t{h.get(Headers.REASON)}\t"
                  f"{h.get(Headers.ERROR_CLASS)}: {h.get(Headers.ERROR)}")
        print(f"{len(letters)} dead-lettered event(s)", file=sys.stderr)
        return 0
    count = replay(settings, letters)
    print(f"replayed {count} event(s) onto {topic_names(settings).main(Topic(args.topic))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
