-- Reviews, their events, delegations, fee schedules and statements.
CREATE TABLE IF NOT EXISTS fee_schedules (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  version INT NOT NULL,
  effective_from DATE NOT NULL,
  body TEXT NOT NULL,
  is_example BOOLEAN NOT NULL DEFAULT FALSE,
  used BOOLEAN NOT NULL DEFAULT FALSE,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_fee_schedules_version (version),
  KEY idx_fee_schedules_effective (effective_from),
  CONSTRAINT fk_fee_schedules_created_by FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS reviews (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  state VARCHAR(32) NOT NULL,
  version INT NOT NULL DEFAULT 1,
  round INT NOT NULL DEFAULT 1,
  jurisdiction_id BIGINT NOT NULL,
  unit_org_id BIGINT NOT NULL,
  submitted_amount DECIMAL(20,2) NOT NULL,
  audited_amount DECIMAL(20,2) NULL,
  firm_id BIGINT NULL,
  supervisor_id BIGINT NULL,
  suspended BOOLEAN NOT NULL DEFAULT FALSE,
  appeal_used BOOLEAN NOT NULL DEFAULT FALSE,
  outcome VARCHAR(16) NOT NULL DEFAULT 'normal',
  fee_schedule_id BIGINT NULL,
  delegated_at DATETIME(6) NULL,
  submitted_at DATETIME(6) NULL,
  concluded_at DATETIME(6) NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY idx_reviews_list (jurisdiction_id, state, created_at),
  KEY idx_reviews_state (state, created_at),
  KEY idx_reviews_kind (kind, created_at),
  KEY idx_reviews_unit (unit_org_id, created_at),
  KEY idx_reviews_firm (firm_id, state),
  KEY idx_reviews_project (project_id),
  KEY idx_reviews_created (created_at),
  CONSTRAINT fk_reviews_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_reviews_jurisdiction FOREIGN KEY (jurisdiction_id) REFERENCES jurisdictions (id),
  CONSTRAINT fk_reviews_unit FOREIGN KEY (unit_org_id) REFERENCES organizations (id),
  CONSTRAINT fk_reviews_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id),
  CONSTRAINT fk_reviews_supervisor FOREIGN KEY (supervisor_id) REFERENCES users (id),
  CONSTRAINT fk_reviews_schedule FOREIGN KEY (fee_schedule_id) REFERENCES fee_schedules (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The timeline of a review: one row per transition, in order.
CREATE TABLE IF NOT EXISTS review_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  round INT NOT NULL,
  at DATETIME(6) NOT NULL,
  actor_id BIGINT NULL,
  actor_name VARCHAR(64) NOT NULL,
  actor_role VARCHAR(32) NOT NULL,
  trig VARCHAR(32) NOT NULL,
  from_state VARCHAR(32) NOT NULL,
  to_state VARCHAR(32) NOT NULL,
  reason TEXT NOT NULL,
  params TEXT NOT NULL,
  KEY idx_review_events_review (review_id, id),
  KEY idx_review_events_actor (actor_id, at),
  CONSTRAINT fk_review_events_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_review_events_actor FOREIGN KEY (actor_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS delegations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  firm_id BIGINT NOT NULL,
  supervisor_id BIGINT NULL,
  at DATETIME(6) NOT NULL,
  actor_id BIGINT NULL,
  override BOOLEAN NOT NULL DEFAULT FALSE,
  reason TEXT NOT NULL,
  considered TEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  ended_at DATETIME(6) NULL,
  end_reason TEXT NULL,
  KEY idx_delegations_review (review_id, id),
  KEY idx_delegations_firm (firm_id, status),
  CONSTRAINT fk_delegations_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_delegations_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Firms never to be chosen again for one review (declined, appeal, cancelled delegation).
CREATE TABLE IF NOT EXISTS review_exclusions (
  review_id BIGINT NOT NULL,
  firm_id BIGINT NOT NULL,
  reason VARCHAR(32) NOT NULL,
  at DATETIME(6) NOT NULL,
  PRIMARY KEY (review_id, firm_id),
  CONSTRAINT fk_review_exclusions_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_review_exclusions_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS fee_statements (
  review_id BIGINT NOT NULL PRIMARY KEY,
  schedule_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  submitted_amount DECIMAL(20,2) NOT NULL,
  audited_amount DECIMAL(20,2) NOT NULL,
  basic_fee DECIMAL(20,2) NOT NULL,
  reduction_fee DECIMAL(20,2) NOT NULL,
  total_fee DECIMAL(20,2) NOT NULL,
  contractor_share DECIMAL(20,2) NOT NULL,
  finance_share DECIMAL(20,2) NOT NULL,
  payable_now DECIMAL(20,2) NOT NULL,
  payable_later DECIMAL(20,2) NOT NULL,
  paid_at DATETIME(6) NULL,
  computed_at DATETIME(6) NOT NULL,
  CONSTRAINT fk_fee_statements_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_fee_statements_schedule FOREIGN KEY (schedule_id) REFERENCES fee_schedules (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Signatures on the opinion letter (unit and contractor).
CREATE TABLE IF NOT EXISTS signatures (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  round INT NOT NULL,
  party VARCHAR(16) NOT NULL,
  org_id BIGINT NULL,
  user_id BIGINT NULL,
  agree BOOLEAN NOT NULL,
  reasons TEXT NOT NULL,
  at DATETIME(6) NOT NULL,
  KEY idx_signatures_review (review_id, round),
  CONSTRAINT fk_signatures_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS disputes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  reasons TEXT NOT NULL,
  expert_ids VARCHAR(255) NOT NULL DEFAULT '',
  fault_party VARCHAR(16) NULL,
  revised_amount DECIMAL(20,2) NULL,
  expert_cost DECIMAL(20,2) NULL,
  opened_at DATETIME(6) NOT NULL,
  resolved_at DATETIME(6) NULL,
  KEY idx_disputes_review (review_id),
  CONSTRAINT fk_disputes_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS site_surveys (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  survey_date DATE NOT NULL,
  people VARCHAR(255) NOT NULL,
  findings TEXT NOT NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_site_surveys_review (review_id),
  CONSTRAINT fk_site_surveys_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS tracking_records (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  record_date DATE NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  amount DECIMAL(20,2) NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_tracking_records_review (review_id, record_date),
  CONSTRAINT fk_tracking_records_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS sample_rechecks (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  firm_id BIGINT NULL,
  rechecked_amount DECIMAL(20,2) NOT NULL,
  deviation DECIMAL(20,2) NOT NULL,
  accurate BOOLEAN NOT NULL,
  note TEXT NOT NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_sample_rechecks_review (review_id),
  KEY idx_sample_rechecks_firm (firm_id),
  CONSTRAINT fk_sample_rechecks_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS work_plans (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  firm_id BIGINT NOT NULL,
  mode VARCHAR(64) NOT NULL,
  survey_date DATE NULL,
  key_issues TEXT NOT NULL,
  staff VARCHAR(255) NOT NULL DEFAULT '',
  planned_completion DATE NULL,
  status VARCHAR(16) NOT NULL,
  approved_by BIGINT NULL,
  approved_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL,
  KEY idx_work_plans_review (review_id, id),
  CONSTRAINT fk_work_plans_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS suspensions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  reason TEXT NOT NULL,
  expected_workdays INT NOT NULL,
  started_at DATETIME(6) NOT NULL,
  ended_at DATETIME(6) NULL,
  started_by BIGINT NULL,
  ended_by BIGINT NULL,
  KEY idx_suspensions_review (review_id, id),
  CONSTRAINT fk_suspensions_review FOREIGN KEY (review_id) REFERENCES reviews (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Experts drawn for a review's dispute or sample re-review.
CREATE TABLE IF NOT EXISTS review_experts (
  review_id BIGINT NOT NULL,
  expert_id BIGINT NOT NULL,
  purpose VARCHAR(16) NOT NULL,
  reserve BOOLEAN NOT NULL DEFAULT FALSE,
  drawn_at DATETIME(6) NOT NULL,
  PRIMARY KEY (review_id, expert_id, purpose),
  KEY idx_review_experts_expert (expert_id),
  CONSTRAINT fk_review_experts_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_review_experts_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
