-- A paper keeps the name it was issued under, as timeline and audit
-- entries keep their actor's: a later rename of the issuer does not
-- change who signed an official paper, and reading a paper needs no join
-- with users. Papers the system issued (no issuer) say so.
ALTER TABLE papers ADD COLUMN IF NOT EXISTS issued_by_name VARCHAR(64) NOT NULL DEFAULT '';
UPDATE papers pp JOIN users u ON u.id = pp.issued_by SET pp.issued_by_name = u.display_name WHERE pp.issued_by_name = '';
UPDATE papers SET issued_by_name = '系统' WHERE issued_by IS NULL AND issued_by_name = '';
