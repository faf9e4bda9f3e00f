"""Keyset pagination: a page is "the next N after this position in the sort order", never skip/offset, so
page 1,000 costs what page 1 costs (given an index matching filter + sort, equality keys first)."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection


def after(fields: list[str], values: list[Any], descending: bool = False) -> dict[str, Any]:
    """A filter for documents strictly after ``values`` in the order of ``fields`` (all ascending, or all
    descending): (a, b) > (va, vb)  <=>  a > va  or  (a = va and b > vb)."""
    op = "$lt" if descending else "$gt"
    clauses = []
    for i, name in enumerate(fields):
        clause = {fields[j]: values[j] for j in range(i)}
        clause[name] = {op: values[i]}
        clauses.append(clause)
    return {"$or": clauses}


def page(collection: Collection, query: dict[str, Any], sort: list[str], *, limit: int,
         after_values: list[Any] | None = None, descending: bool = False,
         projection: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """One page: the documents, and the sort values to continue after (None on the last page)."""
    if after_values is not None:
        query = {**query, **after(sort, after_values, descending)}
    direction = -1 if descending else 1
    docs = list(collection.find(query, projection).sort([(f, direction) for f in sort]).limit(limit + 1))
    more = len(docs) > limit
    return docs[:limit], ([docs[limit - 1][f] for f in sort] if more else None)
