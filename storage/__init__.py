"""The read model's database: its engine, schema and Alembic migrations, and what the case rules
read from it."""
