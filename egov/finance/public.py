"""finance: the room of this subsystem, ready for the issue that builds it.

dBrain: fees, payments, the double-entry ledger, budgets and their execution.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
