-- Deadlines: what each one was computed from, so a calendar edit can
-- re-compute it, and when its next reminder is due, so reminders are
-- claimed like deadlines (FOR UPDATE SKIP LOCKED on an index).
ALTER TABLE deadlines
  ADD COLUMN starts_at DATETIME(6) NULL AFTER visit_event_id,
  ADD COLUMN calendar_version VARCHAR(16) NOT NULL DEFAULT '' AFTER flagged_year,
  ADD COLUMN remind2_at DATETIME(6) NULL AFTER overdue_notified,
  ADD COLUMN remind1_at DATETIME(6) NULL AFTER remind2_at,
  ADD COLUMN next_remind_at DATETIME(6) NULL AFTER remind1_at,
  ADD COLUMN ended_at DATETIME(6) NULL AFTER fired_by,
  ADD KEY idx_deadlines_remind (state, next_remind_at),
  ADD KEY idx_deadlines_flagged (state, flagged_year);

