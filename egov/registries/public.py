"""registries: the room of this subsystem, ready for the issue that builds it.

Base registries of the National Basic Information System: residents, households, family relations, vehicles, land parcels, buildings and businesses, each change a dated event with its cause, answering 'as of' a date.

Its person-reading functions take the reader, the purpose and the basis and write the audit entry; only `exchange.public` calls them for other apps (rule 2).

This module is the app's only interface to other apps (ids in, frozen dataclasses
out); it is empty until the subsystem is built.
"""
