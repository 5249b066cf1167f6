-- Firm library additions: assessment criteria per period, staff-entered
-- scores, metrics kept with each computed assessment.
ALTER TABLE assessment_periods
  ADD COLUMN IF NOT EXISTS criteria TEXT NULL,
  ADD COLUMN IF NOT EXISTS bottom_n INT NOT NULL DEFAULT 1,
  ADD COLUMN IF NOT EXISTS threshold DECIMAL(6,2) NOT NULL DEFAULT 60,
  ADD COLUMN IF NOT EXISTS created_by BIGINT NULL,
  ADD COLUMN IF NOT EXISTS created_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS computed_at DATETIME(6) NULL,
  ADD COLUMN IF NOT EXISTS closed_by BIGINT NULL,
  ADD COLUMN IF NOT EXISTS closed_at DATETIME(6) NULL;

ALTER TABLE firm_assessments
  ADD COLUMN IF NOT EXISTS metrics TEXT NULL;

-- Truthfulness and report quality entered by staff before the period is computed.
CREATE TABLE IF NOT EXISTS assessment_inputs (
  period_id BIGINT NOT NULL,
  firm_id BIGINT NOT NULL,
  truthfulness DECIMAL(6,2) NOT NULL,
  report_quality DECIMAL(6,2) NOT NULL,
  entered_by BIGINT NULL,
  entered_at DATETIME(6) NOT NULL,
  PRIMARY KEY (period_id, firm_id),
  CONSTRAINT fk_assessment_inputs_period FOREIGN KEY (period_id) REFERENCES assessment_periods (id),
  CONSTRAINT fk_assessment_inputs_firm FOREIGN KEY (firm_id) REFERENCES firms (org_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE INDEX IF NOT EXISTS idx_delegations_at ON delegations (firm_id, at);
CREATE INDEX IF NOT EXISTS idx_deadlines_kind ON deadlines (kind, due_at);
