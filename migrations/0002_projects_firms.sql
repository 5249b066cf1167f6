-- Projects, firm library, conflicts, rotation cursors, experts.
CREATE TABLE IF NOT EXISTS projects (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL,
  jurisdiction_id BIGINT NOT NULL,
  unit_org_id BIGINT NOT NULL,
  dept_org_id BIGINT NULL,
  funding_source VARCHAR(32) NOT NULL,
  category VARCHAR(32) NOT NULL,
  approved_estimate DECIMAL(20,2) NOT NULL,
  key_project BOOLEAN NOT NULL DEFAULT FALSE,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_projects_code (code),
  KEY idx_projects_jurisdiction (jurisdiction_id),
  KEY idx_projects_unit (unit_org_id),
  KEY idx_projects_dept (dept_org_id),
  KEY idx_projects_name (name),
  CONSTRAINT fk_projects_jurisdiction FOREIGN KEY (jurisdiction_id) REFERENCES jurisdictions (id),
  CONSTRAINT fk_projects_unit FOREIGN KEY (unit_org_id) REFERENCES organizations (id),
  CONSTRAINT fk_projects_dept FOREIGN KEY (dept_org_id) REFERENCES organizations (id),
  CONSTRAINT fk_projects_created_by FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS project_contractors (
  project_id BIGINT NOT NULL,
  contractor_org_id BIGINT NOT NULL,
  PRIMARY KEY (project_id, contractor_org_id),
  KEY idx_project_contractors_org (contractor_org_id),
  CONSTRAINT fk_project_contractors_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_project_contractors_org FOREIGN KEY (contractor_org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A firm is an organization of kind 'firm'; this row extends it.
CREATE TABLE IF NOT EXISTS firms (
  org_id BIGINT NOT NULL PRIMARY KEY,
  qualification VARCHAR(128) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  status_reason VARCHAR(255) NOT NULL DEFAULT '',
  status_since DATETIME(6) NOT NULL,
  capacity INT NOT NULL DEFAULT 0,
  score DECIMAL(6,2) NOT NULL DEFAULT 0,
  admitted_at DATETIME(6) NOT NULL,
  KEY idx_firms_status (status, score),
  CONSTRAINT fk_firms_org FOREIGN KEY (org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS firm_kinds (
  firm_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  PRIMARY KEY (firm_id, kind),
  CONSTRAINT fk_firm_kinds_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS firm_jurisdictions (
  firm_id BIGINT NOT NULL,
  jurisdiction_id BIGINT NOT NULL,
  PRIMARY KEY (firm_id, jurisdiction_id),
  KEY idx_firm_jurisdictions_j (jurisdiction_id),
  CONSTRAINT fk_firm_jurisdictions_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id),
  CONSTRAINT fk_firm_jurisdictions_j FOREIGN KEY (jurisdiction_id) REFERENCES jurisdictions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS firm_status_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  firm_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  changed_by BIGINT NULL,
  changed_at DATETIME(6) NOT NULL,
  KEY idx_firm_status_history_firm (firm_id, changed_at),
  CONSTRAINT fk_firm_status_history_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS assessment_periods (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  closed BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE KEY uq_assessment_periods_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS firm_assessments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  period_id BIGINT NOT NULL,
  firm_id BIGINT NOT NULL,
  timeliness DECIMAL(6,2) NOT NULL,
  accuracy DECIMAL(6,2) NOT NULL,
  truthfulness DECIMAL(6,2) NOT NULL,
  report_quality DECIMAL(6,2) NOT NULL,
  total DECIMAL(6,2) NOT NULL,
  rank_no INT NOT NULL DEFAULT 0,
  flagged BOOLEAN NOT NULL DEFAULT FALSE,
  evidence TEXT NOT NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_firm_assessments (period_id, firm_id),
  KEY idx_firm_assessments_firm (firm_id),
  CONSTRAINT fk_firm_assessments_period FOREIGN KEY (period_id) REFERENCES assessment_periods (id),
  CONSTRAINT fk_firm_assessments_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Declared relations between a firm and a unit or contractor (利害关系).
CREATE TABLE IF NOT EXISTS conflicts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  firm_id BIGINT NOT NULL,
  related_org_id BIGINT NOT NULL,
  relation VARCHAR(255) NOT NULL,
  declared_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_conflicts (firm_id, related_org_id),
  KEY idx_conflicts_org (related_org_id),
  CONSTRAINT fk_conflicts_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id),
  CONSTRAINT fk_conflicts_org FOREIGN KEY (related_org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rotation_cursors (
  jurisdiction_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  last_firm_id BIGINT NULL,
  last_score DECIMAL(6,2) NULL,
  last_admitted_at DATETIME(6) NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (jurisdiction_id, kind),
  CONSTRAINT fk_rotation_cursors_j FOREIGN KEY (jurisdiction_id) REFERENCES jurisdictions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS experts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  specialty VARCHAR(64) NOT NULL,
  title VARCHAR(64) NOT NULL DEFAULT '',
  employer_org_id BIGINT NULL,
  employer VARCHAR(128) NOT NULL DEFAULT '',
  user_id BIGINT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at DATETIME(6) NOT NULL,
  KEY idx_experts_specialty (specialty, active),
  CONSTRAINT fk_experts_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_experts_employer FOREIGN KEY (employer_org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
