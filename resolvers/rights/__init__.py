"""Data-subject rights and the data lifecycle (policy §3.1, §4, §6, §7, §8, §13).

Every module here works on an `env`: anything with `.store` (resolvers.store.Store) and
`.settings` (gateway.settings.Settings), so the GraphQL context, the gateway's services and the
command line share the same code. There are no transactions: every write is idempotent, and
multi-step work runs as a resumable job (resolvers.rights.jobs).
"""
