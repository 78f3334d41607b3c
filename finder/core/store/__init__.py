"""Storage: the SQLite catalog (source of truth), the lexical index and the vector cache."""
