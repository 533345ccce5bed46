"""records: the room of this subsystem, ready for the issue that builds it.

On-Nara: official documents, drafting, approval lines, registration numbers, retention and the archive.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
