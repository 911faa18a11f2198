"""Everything that touches a file or the database: the engine resolver, the models and
migrations, the targets loader, the queries, the importers and the command line
(`python -m data_access`). Pages call into this package; they never write SQL."""
