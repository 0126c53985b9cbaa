"""The project's own tables, behind repository classes built from a database URL."""
