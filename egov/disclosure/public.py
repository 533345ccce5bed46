"""disclosure: the room of this subsystem, ready for the issue that builds it.

open.go.kr: information disclosure requests, proactive disclosure, the open data catalogue and its API.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
