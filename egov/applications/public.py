"""applications: the room of this subsystem, ready for the issue that builds it.

Civil applications (minwon): online, at the counter and bundled life-event services, with the back-office queues.

Submissions carry an idempotency key (rule 8).

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
