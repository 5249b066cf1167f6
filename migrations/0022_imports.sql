-- Imports of a bureau's existing registers (firms, experts, organizations,
-- projects, concluded reviews) from Excel. Each import keeps its file in
-- MinIO with its SHA-256; the rows it added carry its id, so they show as
-- imported and can be removed together while nothing was built on them.
CREATE TABLE IF NOT EXISTS imports (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  object_key VARCHAR(255) NOT NULL,
  sha256 CHAR(64) NOT NULL,
  size BIGINT NOT NULL,
  row_count INT NOT NULL,
  actor_id BIGINT NULL,
  actor_name VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  undone_at DATETIME(6) NULL,
  undone_by BIGINT NULL,
  KEY idx_imports_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE organizations
  ADD COLUMN IF NOT EXISTS import_id BIGINT NULL,
  ADD KEY IF NOT EXISTS idx_organizations_import (import_id),
  ADD KEY IF NOT EXISTS idx_organizations_credit_code (credit_code);

ALTER TABLE experts
  ADD COLUMN IF NOT EXISTS import_id BIGINT NULL,
  ADD COLUMN IF NOT EXISTS phone VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS id_number VARCHAR(18) NULL,
  ADD UNIQUE KEY IF NOT EXISTS uq_experts_id_number (id_number),
  ADD KEY IF NOT EXISTS idx_experts_import (import_id);

ALTER TABLE projects
  ADD COLUMN IF NOT EXISTS import_id BIGINT NULL,
  ADD KEY IF NOT EXISTS idx_projects_import (import_id);

-- import_ref is an imported review's original conclusion 文号.
ALTER TABLE reviews
  ADD COLUMN IF NOT EXISTS import_id BIGINT NULL,
  ADD COLUMN IF NOT EXISTS import_ref VARCHAR(64) NULL,
  ADD KEY IF NOT EXISTS idx_reviews_import (import_id, import_ref);

-- An imported paper keeps its original 文号; it is never rendered, and the
-- numbering of its series skips its number.
ALTER TABLE papers
  ADD COLUMN IF NOT EXISTS imported BOOLEAN NOT NULL DEFAULT FALSE;
