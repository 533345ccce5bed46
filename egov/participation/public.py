"""participation: the room of this subsystem, ready for the issue that builds it.

e-People: complaints and proposals, petitions, polls, consultations and participatory budgeting.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
