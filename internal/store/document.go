package store

import (
	"context"
	"database/sql"
	"time"

	"finreview/workflow"
)

// Document statuses: a row is pending from before its bytes are sent to
// the object store until the upload is confirmed, then committed.
const (
	DocumentPending   = "pending"
	DocumentCommitted = "committed"
)

// Document is one stored file of a review (资料); its bytes live in the
// object store under ObjectKey, its metadata here.
type Document struct {
	ID           int64
	ReviewID     int64
	Category     string
	Name         string
	Version      int
	ObjectKey    string
	Size         int64
	SHA256       string
	ContentType  string
	SignedSealed bool
	Status       string
	UploaderID   int64
	CreatedAt    time.Time
	// ThumbKey is the object of a photo's thumbnail ("" when none).
	ThumbKey string
	// TakenAt is a photo's EXIF DateTimeOriginal.
	TakenAt     sql.NullTime
	CommittedAt sql.NullTime
	// UploaderName is joined for listings.
	UploaderName string
	// Official marks the PDF of an issued paper. Its versions are its own:
	// an upload of the same category and name is a separate document,
	// never a newer version of it.
	Official bool
}

const documentColumns = `d.id, d.review_id, d.category, d.name, d.version, d.object_key, d.size, d.sha256, d.content_type,
	d.signed_sealed, d.status, COALESCE(d.uploader_id,0), d.created_at, COALESCE(d.thumb_key,''), d.taken_at, d.committed_at,
	COALESCE(u.display_name,''), d.official`

const documentFrom = ` FROM documents d LEFT JOIN users u ON u.id = d.uploader_id`

func scanDocument(s scanner) (Document, error) {
	var d Document
	err := s.Scan(&d.ID, &d.ReviewID, &d.Category, &d.Name, &d.Version, &d.ObjectKey, &d.Size, &d.SHA256, &d.ContentType,
		&d.SignedSealed, &d.Status, &d.UploaderID, &d.CreatedAt, &d.ThumbKey, &d.TakenAt, &d.CommittedAt, &d.UploaderName, &d.Official)
	return d, err
}

// InsertPendingDocument records an upload about to be sent to the object
// store, so that a crash leaves a row for the sweep to find.
func (q *Queries) InsertPendingDocument(ctx context.Context, d Document) (int64, error) {
	return q.insert(ctx,
		`INSERT INTO documents (review_id, category, name, version, object_key, size, sha256, content_type, signed_sealed,
		   status, uploader_id, created_at, official) VALUES (?, ?, ?, 0, ?, 0, '', ?, ?, 'pending', ?, ?, ?)`,
		d.ReviewID, d.Category, d.Name, d.ObjectKey, d.ContentType, d.SignedSealed, nullInt(d.UploaderID), d.CreatedAt, d.Official)
}

// DocumentCommit is what a confirmed upload writes to its pending row.
type DocumentCommit struct {
	Size   int64
	SHA256 string
	// SM3 is the SM3 digest (国密) kept beside SHA-256.
	SM3         string
	ContentType string
	ThumbKey    string
	TakenAt     sql.NullTime
	At          time.Time
}

// CommitDocument marks a pending document committed with the next version
// of its review, category and name among documents alike official or not
// (the review row is locked so that two uploads of one name never get the
// same version). It returns the version;
// ErrNotFound when the row is no longer pending (the sweep took it).
func (q *Queries) CommitDocument(ctx context.Context, id int64, c DocumentCommit) (int, error) {
	var reviewID int64
	var category, name string
	var official bool
	if err := q.db.QueryRowContext(ctx, "SELECT review_id, category, name, official FROM documents WHERE id = ? AND status = 'pending'", id).
		Scan(&reviewID, &category, &name, &official); err != nil {
		return 0, translate(err)
	}
	var locked int64
	if err := q.db.QueryRowContext(ctx, "SELECT id FROM reviews WHERE id = ? FOR UPDATE", reviewID).Scan(&locked); err != nil {
		return 0, translate(err)
	}
	var version int
	if err := q.db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version),0) + 1 FROM documents
		 WHERE review_id = ? AND category = ? AND name = ? AND official = ? AND status = 'committed'`,
		reviewID, category, name, official).Scan(&version); err != nil {
		return 0, err
	}
	res, err := q.db.ExecContext(ctx,
		`UPDATE documents SET status = 'committed', version = ?, size = ?, sha256 = ?, sm3 = ?, content_type = ?, thumb_key = ?,
		   taken_at = ?, committed_at = ? WHERE id = ? AND status = 'pending'`,
		version, c.Size, c.SHA256, nullString(c.SM3), c.ContentType, nullString(c.ThumbKey), c.TakenAt, c.At, id)
	if err := changed(res, err, ErrNotFound); err != nil {
		return 0, err
	}
	return version, nil
}

// LockReviewState locks a review's row for the rest of the transaction and
// returns its state as it is now.
func (q *Queries) LockReviewState(ctx context.Context, reviewID int64) (workflow.State, error) {
	var st string
	if err := q.db.QueryRowContext(ctx, "SELECT state FROM reviews WHERE id = ? FOR UPDATE", reviewID).Scan(&st); err != nil {
		return "", translate(err)
	}
	return workflow.State(st), nil
}

// DeletePendingDocument removes a pending row (a failed or swept upload);
// a committed row is never removed. It reports whether a row went.
func (q *Queries) DeletePendingDocument(ctx context.Context, id int64) (bool, error) {
	res, err := q.db.ExecContext(ctx, "DELETE FROM documents WHERE id = ? AND status = 'pending'", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Document loads one document, any status.
func (q *Queries) Document(ctx context.Context, id int64) (Document, error) {
	return queryRow(ctx, q.db, scanDocument, "SELECT "+documentColumns+documentFrom+" WHERE d.id = ?", id)
}

// DocumentFilter narrows a review's document list.
type DocumentFilter struct {
	Category string
	// LatestOnly keeps the newest version of each name (an official
	// paper's PDF and uploads of the same name are separate lines).
	LatestOnly    bool
	Limit, Offset int
}

// Documents lists a review's committed documents, by category, name and
// newest version first, with the total count. The count costs a statement
// of its own only when the page is full or lies past the end: a page
// with room left ends the list, and its offset and length are the total.
func (q *Queries) Documents(ctx context.Context, reviewID int64, f DocumentFilter) ([]Document, int, error) {
	where := " WHERE d.review_id = ? AND d.status = 'committed'"
	args := []any{reviewID}
	if f.Category != "" {
		where += " AND d.category = ?"
		args = append(args, f.Category)
	}
	if f.LatestOnly {
		where += ` AND d.version = (SELECT MAX(x.version) FROM documents x WHERE x.review_id = d.review_id
		   AND x.category = d.category AND x.name = d.name AND x.official = d.official AND x.status = 'committed')`
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	out, err := queryAll(ctx, q.db, scanDocument, "SELECT "+documentColumns+documentFrom+where+
		" ORDER BY d.category, d.name, d.version DESC, d.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	if len(out) < f.Limit && (len(out) > 0 || f.Offset == 0) {
		return out, f.Offset + len(out), nil
	}
	var total int
	if err := q.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM documents d"+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DocumentVersions lists every committed version of the document's review,
// category and name (official papers and uploads apart), newest first.
func (q *Queries) DocumentVersions(ctx context.Context, id int64) ([]Document, error) {
	return queryAll(ctx, q.db, scanDocument, "SELECT "+documentColumns+documentFrom+
		` JOIN documents o ON o.review_id = d.review_id AND o.category = d.category AND o.name = d.name AND o.official = d.official
		 WHERE o.id = ? AND d.status = 'committed' ORDER BY d.version DESC, d.id DESC`, id)
}

// CountDocuments counts committed documents of a category (signedOnly:
// only signed-and-sealed ones).
func (q *Queries) CountDocuments(ctx context.Context, reviewID int64, category string, signedOnly bool) (int, error) {
	query := "SELECT COUNT(*) FROM documents WHERE review_id = ? AND category = ? AND status = 'committed'"
	if signedOnly {
		query += " AND signed_sealed = TRUE"
	}
	var n int
	err := q.db.QueryRowContext(ctx, query, reviewID, category).Scan(&n)
	return n, err
}

// StalePendingDocuments lists pending rows created before t (uploads that
// never finished).
func (q *Queries) StalePendingDocuments(ctx context.Context, before time.Time, limit int) ([]Document, error) {
	return queryAll(ctx, q.db, scanDocument, "SELECT "+documentColumns+documentFrom+
		" WHERE d.status = 'pending' AND d.created_at < ? ORDER BY d.id LIMIT ?", before, limit)
}

// KnownObjectKeys returns which of keys a document row refers to, as its
// object or its thumbnail.
func (q *Queries) KnownObjectKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	in := placeholders(len(keys))
	err := queryEach(ctx, q.db, scanValue[string], func(k string) error {
		out[k] = true
		return nil
	}, "SELECT object_key FROM documents WHERE object_key IN ("+in+") UNION SELECT thumb_key FROM documents WHERE thumb_key IN ("+in+")",
		append(anyArgs(keys), anyArgs(keys)...)...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DocumentAccess is one view or download of a document.
type DocumentAccess struct {
	ID         int64
	DocumentID int64
	UserID     int64
	UserName   string
	Action     string
	IP         string
	At         time.Time
}

// InsertDocumentAccess records a view or download.
func (q *Queries) InsertDocumentAccess(ctx context.Context, a DocumentAccess) (int64, error) {
	return q.insert(ctx,
		"INSERT INTO document_access (document_id, user_id, action, ip, at) VALUES (?, ?, ?, ?, ?)",
		a.DocumentID, a.UserID, a.Action, a.IP, a.At)
}

// DocumentAccesses lists who viewed or downloaded a document, newest first.
func (q *Queries) DocumentAccesses(ctx context.Context, documentID int64, limit int) ([]DocumentAccess, error) {
	if limit <= 0 {
		limit = 100
	}
	return queryAll(ctx, q.db, func(s scanner) (DocumentAccess, error) {
		var a DocumentAccess
		err := s.Scan(&a.ID, &a.DocumentID, &a.UserID, &a.UserName, &a.Action, &a.IP, &a.At)
		return a, err
	}, `SELECT a.id, a.document_id, a.user_id, COALESCE(u.display_name,''), a.action, a.ip, a.at
		 FROM document_access a LEFT JOIN users u ON u.id = a.user_id WHERE a.document_id = ? ORDER BY a.id DESC LIMIT ?`,
		documentID, limit)
}
