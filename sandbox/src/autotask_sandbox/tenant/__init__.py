"""Per-tenant metadata: fields, picklists, user-defined fields and the captured field lists."""
