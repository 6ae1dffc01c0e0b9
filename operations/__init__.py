"""Operations: backup and restore of a whole Enclave (database and documents)."""
