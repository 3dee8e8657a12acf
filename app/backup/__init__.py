"""Backup and restore: `flask backup PATH` and `flask restore PATH [--force]` (no web pages).

manifest.py  what a backup holds and how its content is counted and hashed
postgres.py  the PostgreSQL client tools (pg_dump, pg_restore, psql)
services.py  making a backup and restoring one
commands.py  the two commands
"""
