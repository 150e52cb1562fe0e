"""Everything that knows which database engine runs: SQL written for one engine, and code that leans on Django's
private internals. The rest of the code speaks the ORM, or calls these with model and index names.

Why fenced: the hot paths (the overdue burst, the board) need SQL the ORM does not write — bulk writes by
arrays on PostgreSQL and prepared one-row statements on SQLite, indexes named to SQLite's planner, a planner
setting for one statement — and the SQLite writer queue overrides private methods of Django's backend. Scattered,
each was a surprise at the next Django or engine upgrade; here they are one list to re-check.

- ``bulk``: INSERT and UPDATE of many rows (PostgreSQL: one array per column through ``unnest``, bound on the
  server in binary; SQLite: ``executemany`` of a one-row statement).
- ``sql``: a table named with the index SQLite must use (``INDEXED BY``), the index named into a query the ORM
  built, a planner setting for one statement (PostgreSQL's bitmap scans), and a lock that skips rows other
  workers hold where the engine can.
- ``sqlite``: the SQLite backend with one queued writer per process (``DATABASES["default"]["ENGINE"]``,
  ``config/env.py``).

Engine policy that is not SQL stays where it is decided, each with its reason, and each checks
``connection.vendor``: the audit chain is sealed inline on SQLite and deferred on PostgreSQL
(``audit.services``), cross-process wake-ups use LISTEN/NOTIFY on PostgreSQL (``common.bus``), backups copy the
file or run ``pg_dump`` (``backup``), batch sizes and process counts (``worker.loop``, ``commands``).
``tests/services/test_engine_fence.py`` fails if engine SQL appears outside this package, or if an index named in
SQL anywhere in ``dutyroom/`` is missing from the migrations.

On each Django upgrade, re-check:

1. ``sqlite.base.DatabaseWrapper`` overrides the private ``_start_transaction_under_autocommit``, ``_commit``,
   ``_rollback`` and ``_close`` of ``django.db.backends.sqlite3.base.DatabaseWrapper``: that they still exist,
   are still called for every BEGIN, COMMIT, ROLLBACK and close, and that Django starts write transactions with
   ``BEGIN IMMEDIATE`` when ``OPTIONS["transaction_mode"]`` says so (``tests/services/test_sqlite_writer.py``).
2. ``bulk`` adapts values with ``Field.get_db_prep_save`` and reads ``connection.ops.quote_name``,
   ``Field.db_type``, ``JSONField.encoder``, ``connection.queries_logged`` and ``queries_log``, and wraps a raw
   psycopg cursor on ``connection.connection`` in ``connection.wrap_database_errors``: that what it stores is
   still what ``bulk_create`` stores (``tests/services/test_bulk_writes.py``, both engines) and that its
   statements still appear in ``CaptureQueriesContext`` (the statement-count tests).
3. ``sql.index_named_into`` edits the SQL the ORM compiled (``query.sql_with_params``) by replacing
   ``FROM "table"``: that the compiler still writes the table that way.
4. ``select_for_update(skip_locked=..., no_key=..., of=...)`` and
   ``connection.features.has_select_for_update_skip_locked``: that the features keep their names and meaning.
5. The psycopg major version Django supports: ``%b`` binary placeholders and ``psycopg.Cursor(...).execute(...,
   binary=True)``.
6. Run the migrations check and the tests named above on both engines, and the board's plan test
   (``tests/web/test_board_plans.py``), which fails if a named index stops being used.
"""
