"""catalogue: the room of this subsystem, ready for the issue that builds it.

Service definitions as data: the schema, the loader and validation of a country pack's `services/*.yaml`.

A definition that does not validate stops `egov check` with its file, line and reason (rule 7).

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
