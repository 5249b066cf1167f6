-- Temporary stand-ins (临时委托代办): a user away from work names a colleague
-- of the same role and organization for a period that ends by itself.
CREATE TABLE IF NOT EXISTS stand_ins (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  stand_in_id BIGINT NOT NULL,
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  reason VARCHAR(200) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  revoked_by BIGINT NULL,
  KEY idx_stand_ins_user (user_id, ends_on),
  KEY idx_stand_ins_stand_in (stand_in_id, ends_on),
  CONSTRAINT fk_stand_ins_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT fk_stand_ins_stand_in FOREIGN KEY (stand_in_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
