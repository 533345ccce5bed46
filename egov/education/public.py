"""education: the room of this subsystem, ready for the issue that builds it.

NEIS: schools, enrolment, student records and school certificates.

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
