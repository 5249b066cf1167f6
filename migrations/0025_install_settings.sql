-- Choices made once, at installation, that the data depend on: the
-- cryptographic suite (crypto_suite: gm for SM3/SM4, intl for
-- SHA-256/AES). Every start compares its configuration with them and
-- refuses a mismatch.
CREATE TABLE IF NOT EXISTS install_settings (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value VARCHAR(255) NOT NULL,
  recorded_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
