"""workflow: the room of this subsystem, ready for the issue that builds it.

The domain-free case engine: states, transitions, guards, SLA timers on the working-day calendar, assignment and history.

`case_transition` will live here: every state change of a case goes through it (rule 3).

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
