"""The tenant's state: the store and its tables, scans, query engine, predicates, validation, write effects."""
