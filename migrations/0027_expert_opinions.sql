-- The written opinion (专家复审意见) of each expert drawn for a review's
-- re-review, one per expert and round; the expert may revise it until the
-- review center resolves the dispute.
CREATE TABLE IF NOT EXISTS expert_opinions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  review_id BIGINT NOT NULL,
  expert_id BIGINT NOT NULL,
  round INT NOT NULL,
  user_id BIGINT NOT NULL,
  opinion TEXT NOT NULL,
  suggested_amount DECIMAL(20,2) NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY uq_expert_opinions (review_id, expert_id, round),
  CONSTRAINT fk_expert_opinions_review FOREIGN KEY (review_id) REFERENCES reviews (id),
  CONSTRAINT fk_expert_opinions_expert FOREIGN KEY (expert_id) REFERENCES experts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
