"""What other apps hear from the attendance module.

CONTRACT: ``publish_punches_changed(event)`` is called inside the transaction that records a punch or
approves a correction (補登), after the punch row is written; receivers run in that same transaction.
The leave module listens to settle overtime (加班) from the punches. One exception, for the morning rush:
a punch of today on PostgreSQL is one statement that commits by itself (``services._punch_transaction``),
and its event follows that statement — so a receiver keeps nothing for a day that has not ended (leave
settles overtime only for ended days; today's wait for the nightly task).

The event is declared by leave (``leave.punches``: what leave needs to know about punches) because
the arrow between the two apps points from attendance to leave only; attendance sends it and
re-exports its names here for its own code.
"""

from leave.punches import PunchesChanged, publish_punches_changed, punches_changed

__all__ = ["PunchesChanged", "publish_punches_changed", "punches_changed"]
