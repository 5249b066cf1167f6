package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/audit"
	"finreview/internal/auth"
	"finreview/internal/backup"
	"finreview/internal/billing"
	"finreview/internal/docs"
	"finreview/internal/store"
	"finreview/internal/testenv"
	"finreview/internal/web"
)

// drill is a live database and bucket with the demo city, and the CLI
// pointed at them through the environment.
type drill struct {
	t       *testing.T
	s       *store.Store
	objects *docs.ObjectStore
	dbName  string
	env     map[string]string
}

func newDrill(t *testing.T) *drill {
	t.Helper()
	s := testenv.DB(t)
	testenv.Demo(t, s)
	objects := testenv.Objects(t)
	d := &drill{t: t, s: s, objects: objects}
	if err := s.DB.QueryRow("SELECT DATABASE()").Scan(&d.dbName); err != nil {
		t.Fatal(err)
	}
	d.env = map[string]string{"FINREVIEW_DSN": testenv.DSN(t, d.dbName), "FINREVIEW_S3_BUCKET": objects.Bucket,
		"FINREVIEW_AUDIT_KEY_FILE": testenv.AuditKeyFile(t)}
	for _, k := range []string{"ENDPOINT", "ACCESS_KEY", "SECRET_KEY"} {
		if v := os.Getenv("FINREVIEW_TEST_S3_" + k); v != "" {
			d.env["FINREVIEW_S3_"+k] = v
		}
	}
	return d
}

// cli runs one finreview command and returns its error and stderr.
func (d *drill) cli(args ...string) (error, string) {
	var out, errb bytes.Buffer
	c := &cli{getenv: func(k string) string { return d.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	err := c.run(context.Background(), args)
	return err, errb.String()
}

// app builds the web app over the database and bucket the environment names.
func (d *drill) app() (*web.App, func()) {
	d.t.Helper()
	var out bytes.Buffer
	c := &cli{getenv: func(k string) string { return d.env[k] }, stdout: &out, stderr: &out}
	e, err := c.open(context.Background(), true)
	if err != nil {
		d.t.Fatal(err)
	}
	e.log = slog.New(slog.DiscardHandler)
	k := newCore(e)
	app, err := web.New(web.Deps{Log: e.log, Auth: auth.NewService(e.db, time.Now), Services: k.webServices(e)})
	if err != nil {
		d.t.Fatal(err)
	}
	return app, e.close
}

func call(t *testing.T, app *web.App, method, path, token string, body io.Reader, ctype string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func token(t *testing.T, app *web.App, user string) string {
	t.Helper()
	status, b := call(t, app, "POST", "/api/v1/tokens", "", strings.NewReader(`{"username":"`+user+`","password":"Demo@2026"}`), "application/json")
	if status != 201 {
		t.Fatalf("token %s: %d %s", user, status, b)
	}
	var v struct{ Token string }
	_ = json.Unmarshal(b, &v)
	return v.Token
}

// snapshotRows returns a table's rows as text, in primary-key order.
func snapshotRows(t *testing.T, s *store.Store, query string) string {
	t.Helper()
	rows, err := s.DB.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", vals)
	}
	return b.String()
}

func readManifest(t *testing.T, dir string) backup.Manifest {
	t.Helper()
	id, err := os.ReadFile(filepath.Join(dir, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "snapshots", strings.TrimSpace(string(id)), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m backup.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// wipe drops the live database and empties the bucket, as a lost server would.
func (d *drill) wipe() {
	d.t.Helper()
	ctx := context.Background()
	if _, err := d.s.DB.Exec("DROP DATABASE `" + d.dbName + "`"); err != nil {
		d.t.Fatal(err)
	}
	if err := d.objects.List(ctx, "", func(o docs.Object) error { return d.objects.Delete(ctx, o.Key) }); err != nil {
		d.t.Fatal(err)
	}
}

// TestRestoreDrill creates data through the API, backs up, wipes the
// database and the bucket, restores and verifies: the same audit heads,
// object hashes and fee statements, and the app serves the restored data.
func TestRestoreDrill(t *testing.T) {
	d := newDrill(t)
	ctx := context.Background()
	app, closeApp := d.app()
	tok := token(t, app, "jianshe")
	p, err := d.s.ProjectByCode(ctx, "LH-2026-001")
	if err != nil {
		t.Fatal(err)
	}
	status, b := call(t, app, "POST", "/api/v1/reviews", tok,
		strings.NewReader(fmt.Sprintf(`{"project_id":%d,"kind":"settlement","submitted_amount":"1234567.89"}`, p.ID)), "application/json")
	if status != 201 {
		t.Fatalf("create review: %d %s", status, b)
	}
	var rv struct{ ID string }
	_ = json.Unmarshal(b, &rv)
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("category", "submission")
	fw, _ := w.CreateFormFile("file", "结算送审资料.pdf")
	_, _ = fw.Write(pdf)
	_ = w.Close()
	status, b = call(t, app, "POST", "/api/v1/reviews/"+rv.ID+"/documents", tok, &body, w.FormDataContentType())
	if status != 201 {
		t.Fatalf("upload: %d %s", status, b)
	}
	var doc struct{ ID, SHA256 string }
	_ = json.Unmarshal(b, &doc)
	status, b = call(t, app, "POST", "/api/v1/reviews/"+rv.ID+"/transitions", tok, strings.NewReader(`{"trigger":"submit"}`), "application/json")
	if status != 200 {
		t.Fatalf("submit: %d %s", status, b)
	}
	closeApp()
	// A fee statement to the cent (the demo city concludes none).
	sched, err := billing.NewService(d.s, time.Now).EnsureExample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = sched
	fs, err := d.s.FeeScheduleInForce(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var reviewID int64
	fmt.Sscan(rv.ID, &reviewID)
	cents := func(v string) decimal.Decimal { return decimal.RequireFromString(v) }
	if err := d.s.UpsertFeeStatement(ctx, store.FeeStatement{ReviewID: reviewID, ScheduleID: fs.ID, Kind: "settlement", Outcome: "reduction",
		SubmittedAmount: cents("1234567.89"), AuditedAmount: cents("1100000.01"), BasicFee: cents("6172.84"), ReductionFee: cents("6729.40"),
		TotalFee: cents("12902.24"), ContractorShare: cents("6729.40"), FinanceShare: cents("6172.84"), PayableNow: cents("9031.57"),
		PayableLater: cents("3870.67"), ComputedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Anchor(ctx, d.s, time.Now()); err != nil {
		t.Fatal(err)
	}
	fees := snapshotRows(t, d.s, "SELECT * FROM fee_statements ORDER BY review_id")
	if strings.Count(fees, "\n") == 0 {
		t.Fatal("the demo city has no fee statements to compare")
	}
	headsBefore, err := d.s.AuditHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err, stderr := d.cli("backup", "--to", dir); err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	} else if !strings.Contains(stderr, "备份完成") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	m := readManifest(t, dir)
	if m.Tables["reviews"] == 0 || m.Fees.Statements == 0 || len(m.Anchors) == 0 || len(m.Objects) == 0 {
		t.Fatalf("manifest lacks figures: tables %d, fees %d, anchors %d, objects %d", len(m.Tables), m.Fees.Statements, len(m.Anchors), len(m.Objects))
	}
	for s, h := range headsBefore {
		if m.AuditHeads[s] != h.Hash {
			t.Errorf("manifest head of %s = %s, live %s", s, m.AuditHeads[s], h.Hash)
		}
	}

	d.wipe()
	if err, stderr := d.cli("restore", "--from", dir); err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr)
	}
	if err, stderr := d.cli("backup", "verify", "--from", dir); err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}

	db, err := store.Open(ctx, d.env["FINREVIEW_DSN"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs := store.New(db)
	rs.SetAuditKey(testenv.AuditKey)
	// The restored database: same fee statements, same heads (the day's
	// stream carries the restore's own event after the backed-up head).
	if got := snapshotRows(t, rs, "SELECT * FROM fee_statements ORDER BY review_id"); got != fees {
		t.Errorf("fee statements differ after restore")
	}
	headsAfter, err := rs.AuditHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var restoreEvents int
	if err := rs.DB.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'restore' AND object_id = ?", m.ID).Scan(&restoreEvents); err != nil {
		t.Fatal(err)
	}
	if restoreEvents != 1 {
		t.Errorf("restore audit events = %d, want 1", restoreEvents)
	}
	for s, h := range headsBefore {
		if headsAfter[s] == h {
			continue
		}
		var prev string
		err := rs.DB.QueryRow("SELECT prev_hash FROM audit_events WHERE stream = ? AND action = 'restore' AND object_id = ?", s, m.ID).Scan(&prev)
		if err != nil || prev != h.Hash {
			t.Errorf("head of %s moved from %s to %s after restore", s, h.Hash, headsAfter[s].Hash)
		}
	}
	if res, err := audit.Verify(ctx, rs); err != nil || !res.OK {
		t.Errorf("audit chains after restore: %+v %v", res, err)
	}

	// The app serves the restored review and document.
	app, closeApp = d.app()
	defer closeApp()
	tok = token(t, app, "jianshe")
	status, b = call(t, app, "GET", "/api/v1/reviews/"+rv.ID, tok, nil, "")
	if status != 200 || !strings.Contains(string(b), `"state":"submitted"`) {
		t.Fatalf("restored review: %d %s", status, b)
	}
	status, b = call(t, app, "GET", "/api/v1/documents/"+doc.ID+"/content", tok, nil, "")
	if status != 200 || !bytes.Equal(b, pdf) {
		t.Fatalf("restored document: %d, %d bytes", status, len(b))
	}
}
