"""personnel: the room of this subsystem, ready for the issue that builds it.

e-Saram: civil servants, posts and appointments, which feed roles and organisation charts.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
