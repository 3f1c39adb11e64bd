"""`projectunion demo`: a deterministic demo city, loaded through the real services.

Weihai (威海市) with its districts and towns, a regional union per town, two
industry unions, contractors with their crews, ~20 projects at every stage of
their lifecycle and a few thousand workers with three years of history. Every
write goes through the services and the lifecycle machines, so the state
changes, transfers, dissolutions and audit rows are the real ones.

The history is first planned in plain Python from one ``random.Random(seed)``
and dates counted back from today, then replayed in date order. The whole load
is one database transaction in which each service's commit is a savepoint: a
failure leaves the database as it was, and the database does one real commit
instead of thousands.

The package: ``catalogue`` (what the city is made of), ``people`` (workers
and company codes), ``plan`` (the history, planned), ``loader`` (the plan
replayed through the services) and ``command`` (``projectunion demo``).
"""

from projectunion.demo.command import Login, demo_command, load, one_transaction, summary
from projectunion.demo.loader import Loader
from projectunion.demo.people import People, Person
from projectunion.demo.plan import Plan

__all__ = ["Loader", "Login", "People", "Person", "Plan", "demo_command", "load", "one_transaction", "summary"]
