"""Every current record of one person, for a workstation that has only just started to need them.

The pull window (see `feed`) sends a workstation the records of people active in the window, but
only those after its cursor. When a person becomes active again after the cursor has passed their
old records (an old Person, last seen months ago, arrested again today), the workstation receives
today's assessment and asks here for the rest: the Person record and every record about them.

Sync traffic, like the pull itself: no s.62 server log entry (the workstation's own audit log
records what its users then open).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from cars_protocol.sync import PersonRecordsResponse
from cars_server.storage.tables import RecordRow
from cars_server.sync.feed import FeedScope, feed_item, feed_query


def person_records(engine: Engine, scope: FeedScope, person_id: uuid.UUID) -> PersonRecordsResponse:
    """The current revision of the person's own record and of every record about them, in feed order.

    `records.person_id` holds the person's id on the Person record itself too, so one indexed
    lookup finds them all. The scope's sites apply; its window does not (that is the point). An
    unknown person gives an empty list. One SELECT, so the answer is one consistent snapshot.
    """
    unwindowed = FeedScope(site_codes=scope.site_codes)
    query = feed_query(unwindowed).where(RecordRow.person_id == str(person_id)).order_by(RecordRow.feed_seq)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return PersonRecordsResponse(items=[feed_item(row) for row in rows])
