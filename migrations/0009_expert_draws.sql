-- Expert draws (专家抽取) for dispute and sample re-reviews, with the seed and
-- the candidate pool recorded so that every draw can be recomputed; the
-- experts' declared relations and firm; post-review expert scores; archive
-- records (归档).
ALTER TABLE experts
  ADD COLUMN IF NOT EXISTS firm_id BIGINT NULL;

CREATE TABLE IF NOT EXISTS expert_relations (
  expert_id BIGINT NOT NULL,
  related_org_id BIGINT NOT NULL,
  relation VARCHAR(255) NOT NULL DEFAULT '',
  declared_at DATETIME(6) NOT NULL,
  PRIMARY KEY (expert_id, related_org_id),
  KEY idx_expert_relations_org (related_org_id),
  CONSTRAINT fk_expert_relations_expert FOREIGN KEY (expert_id) REFERENCES experts (id),
  CONSTRAINT fk_expert_relations_org FOREIGN KEY (related_org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS expert_draws (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  purpose VARCHAR(16) NOT NULL,
  specialty VARCHAR(64) NOT NULL,
  seed BIGINT UNSIGNED NOT NULL,
  main_count INT NOT NULL,
  reserve_count INT NOT NULL,
  main_ids VARCHAR(1024) NOT NULL,
  reserve_ids VARCHAR(1024) NOT NULL,
  excluded TEXT NOT NULL,
  pool TEXT NOT NULL,
  request TEXT NOT NULL,
  redraw_no INT NOT NULL,
  drawn_by BIGINT NULL,
  drawn_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_expert_draws_redraw (review_id, purpose, redraw_no),
  KEY idx_expert_draws_at (drawn_at),
  CONSTRAINT fk_expert_draws_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_expert_draws_user FOREIGN KEY (drawn_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS expert_scores (
  review_id BIGINT NOT NULL,
  expert_id BIGINT NOT NULL,
  score DECIMAL(5,2) NOT NULL,
  comment TEXT NOT NULL,
  scored_by BIGINT NULL,
  at DATETIME(6) NOT NULL,
  PRIMARY KEY (review_id, expert_id),
  KEY idx_expert_scores_expert (expert_id, at),
  CONSTRAINT fk_expert_scores_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_expert_scores_expert FOREIGN KEY (expert_id) REFERENCES experts (id),
  CONSTRAINT fk_expert_scores_user FOREIGN KEY (scored_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS archive_records (
  review_id BIGINT NOT NULL PRIMARY KEY,
  archive_number VARCHAR(64) NOT NULL,
  paper_received_on DATE NOT NULL,
  received_by VARCHAR(64) NOT NULL,
  retention_years INT NOT NULL,
  created_by BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_archive_records_number (archive_number),
  CONSTRAINT fk_archive_records_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_archive_records_user FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
