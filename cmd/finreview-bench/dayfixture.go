package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"

	"finreview/internal/assign"
	"finreview/internal/audit"
	"finreview/internal/billing"
	"finreview/internal/calendar"
	"finreview/internal/config"
	"finreview/internal/cryptosuite"
	"finreview/internal/docs"
	"finreview/internal/fee"
	"finreview/internal/store"
)

// The data behind the working day (docs/performance.md): a province of
// twelve cities and their counties on one deployment, each review with
// the history the product would have written for it in its state — its
// timeline, its audit chain, its deadlines (running, fired, cancelled),
// the metadata of its documents, its papers with their 文号 and PDFs'
// rows, its delegation, signatures, fee statement and archive record.
// Rows are written with multi-row INSERTs straight into the bench
// database, a chunk of reviews per transaction; nothing goes to MinIO,
// since no page the day reads opens a document's bytes.

const (
	dayChunk       = 100  // reviews per transaction
	dayMaxRows     = 1000 // rows per INSERT
	dayWriters     = 2
	dayDemoShare   = 0.03 // of the reviews, the demo unit's (jianshe's)
	intakeWorkdays = 5    // config defaults (FINREVIEW_INTAKE_WORKDAYS)
	reportWorkdays = 20   // FINREVIEW_REPORT_WORKDAYS
	opinionDays    = 5
	dayInstance    = "finreview-1" // the instance that fired past deadlines
)

// dayCityDef is a city (盟市) of the province and its counties (旗县区).
type dayCityDef struct {
	name     string
	code     string
	weight   float64
	counties []string
}

// dayCities is the province: Inner Mongolia's twelve cities, weighted by
// their share of the reviews. 巴彦淖尔市 is the demo city, whose
// jurisdictions seed-demo made.
var dayCities = []dayCityDef{
	{"呼和浩特市", "150100", 14, []string{"新城区", "回民区", "玉泉区", "赛罕区", "土默特左旗", "托克托县", "和林格尔县", "清水河县", "武川县"}},
	{"包头市", "150200", 13, []string{"东河区", "昆都仑区", "青山区", "石拐区", "白云鄂博矿区", "九原区", "土默特右旗", "固阳县", "达尔罕茂明安联合旗"}},
	{"乌海市", "150300", 2, []string{"海勃湾区", "海南区", "乌达区"}},
	{"赤峰市", "150400", 12, []string{"红山区", "元宝山区", "松山区", "阿鲁科尔沁旗", "巴林左旗", "巴林右旗", "林西县", "克什克腾旗", "翁牛特旗", "喀喇沁旗", "宁城县", "敖汉旗"}},
	{"通辽市", "150500", 9, []string{"科尔沁区", "科尔沁左翼中旗", "科尔沁左翼后旗", "开鲁县", "库伦旗", "奈曼旗", "扎鲁特旗", "霍林郭勒市"}},
	{"鄂尔多斯市", "150600", 13, []string{"东胜区", "康巴什区", "达拉特旗", "准格尔旗", "鄂托克前旗", "鄂托克旗", "杭锦旗", "乌审旗", "伊金霍洛旗"}},
	{"呼伦贝尔市", "150700", 9, []string{"海拉尔区", "扎赉诺尔区", "阿荣旗", "莫力达瓦达斡尔族自治旗", "鄂伦春自治旗", "鄂温克族自治旗", "陈巴尔虎旗",
		"新巴尔虎左旗", "新巴尔虎右旗", "满洲里市", "牙克石市", "扎兰屯市", "额尔古纳市", "根河市"}},
	{"巴彦淖尔市", "150800", 7, nil},
	{"乌兰察布市", "150900", 7, []string{"集宁区", "卓资县", "化德县", "商都县", "兴和县", "凉城县", "察哈尔右翼前旗", "察哈尔右翼中旗", "察哈尔右翼后旗", "四子王旗", "丰镇市"}},
	{"兴安盟", "152200", 4, []string{"乌兰浩特市", "阿尔山市", "科尔沁右翼前旗", "科尔沁右翼中旗", "扎赉特旗", "突泉县"}},
	{"锡林郭勒盟", "152500", 5, []string{"二连浩特市", "锡林浩特市", "阿巴嘎旗", "苏尼特左旗", "苏尼特右旗", "东乌珠穆沁旗", "西乌珠穆沁旗",
		"太仆寺旗", "镶黄旗", "正镶白旗", "正蓝旗", "多伦县"}},
	{"阿拉善盟", "152900", 2, []string{"阿拉善左旗", "阿拉善右旗", "额济纳旗"}},
}

const demoCity = "巴彦淖尔市"

// dayDepts are the construction units of every jurisdiction, weighted by
// how much they build, with the projects they build.
var dayDepts = []struct {
	name     string
	weight   float64
	projects []string
}{
	{"教育局", 18, []string{"第%s中学教学楼改扩建工程", "第%s小学运动场改造工程", "第%s幼儿园新建工程", "职业中学实训楼建设项目", "第%s中学学生宿舍维修改造工程"}},
	{"卫生健康委员会", 12, []string{"人民医院住院楼建设项目", "第%s社区卫生服务中心改造工程", "妇幼保健院门诊楼维修工程", "疾控中心实验室改造工程"}},
	{"住房和城乡建设局", 16, []string{"老旧小区改造工程(第%s批)", "市政道路雨污分流改造工程", "第%s供热管网改造工程", "保障性住房配套基础设施建设项目"}},
	{"交通运输局", 12, []string{"农村公路提质改造工程(第%s标段)", "客运站改扩建工程", "第%s号桥梁维修加固工程"}},
	{"水利局", 10, []string{"灌区节水改造工程(第%s标段)", "农村饮水安全巩固提升工程", "第%s排干清淤整治工程"}},
	{"民政局", 6, []string{"社区综合服务设施建设项目", "第%s敬老院维修改造工程", "儿童福利院维修改造工程", "殡仪馆改扩建工程"}},
	{"文化旅游体育局", 5, []string{"全民健身中心建设项目", "图书馆维修改造工程", "第%s文化站装修工程"}},
	{"农牧局", 7, []string{"高标准农田建设项目(第%s片区)", "畜牧养殖基础设施建设项目", "动物防疫站改造工程"}},
	{"自然资源局", 4, []string{"国土空间整治修复项目(第%s片区)", "地质灾害治理工程"}},
	{"城市管理综合执法局", 5, []string{"城区绿化提升工程(第%s标段)", "垃圾转运站新建工程", "公厕改造工程(第%s批)"}},
	{"公安局", 3, []string{"派出所业务用房建设项目", "第%s看守所维修改造工程"}},
	{"应急管理局", 2, []string{"应急物资储备库建设项目", "消防救援站建设项目"}},
}

var dayOrdinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

var (
	daySurnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
	dayGiven    = []string{"建国", "红梅", "志强", "海军", "敏", "伟", "刚", "芳", "丽", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
		"秀英", "桂英", "晓燕", "文", "华", "建华", "玉兰", "丹", "萍", "鹏", "辉", "宇", "浩", "凯", "婷", "雪", "琳", "晨", "欣", "博"}
	dayFirmWords = []string{"正源", "天诚", "华信", "中联", "永信", "宏达", "恒远", "信达", "同创", "金鼎"}
	dayBuilders  = []string{"城建集团有限公司", "路桥工程有限公司", "建筑安装工程有限公司", "市政工程有限公司", "水利水电工程有限公司", "建设工程有限公司"}
)

// State mix of the day's reviews, in percent: a province's reviews of
// about three years, most of them concluded.
var dayStates = []struct {
	state  string
	weight float64
}{
	{"draft", 2}, {"submitted", 1.5}, {"notified", 1.5}, {"accepted", 1}, {"delegated", 2}, {"in_review", 6}, {"reconciling", 2},
	{"center_check", 2}, {"opinion_sent", 2}, {"signed", 1}, {"deemed_agreed", 0.5}, {"disputed", 0.3}, {"expert_review", 0.3},
	{"unilateral", 0.2}, {"concluded", 12}, {"appeal", 0.2}, {"processed", 15}, {"archived", 47.5}, {"returned", 3},
}

var dayFirstKinds = []struct {
	kind   string
	weight float64
}{{"settlement", 50}, {"budget", 25}, {"final_accounts", 8}, {"estimate", 6}, {"procurement_final", 4}, {"special_check", 3}, {"tracking", 4}}

var dayReturnReasons = []string{"送审资料缺少竣工图及签证单,请补齐后重新报送", "送审资料未签字盖章,请补正后重新报送", "工程量清单与施工合同不一致,请核实后重新报送",
	"缺少隐蔽工程验收记录,请补齐后重新报送"}

// dayUser is who acts: a user's id, name and role (id 0: the system).
type dayUser struct {
	id    int64
	name  string
	role  string
	orgID int64
}

type dayUnit struct {
	id     int64
	name   string
	weight float64
	dept   int
	user   dayUser
	j      *dayJuris
}

type dayFirm struct {
	id    int64
	name  string
	score string
	user  dayUser
}

type dayJuris struct {
	store.Jurisdiction
	prefix  string // how its units and offices are named: 呼和浩特市, 新城区
	city    *dayCity
	weight  float64
	units   []*dayUnit
	finance dayUser // issues notices, processes and archives
	center  dayUser // intake, delegation, opinion letters, conclusions
	center0 string  // the review center's name, for papers
}

type dayCity struct {
	def         dayCityDef
	juris       []*dayJuris
	firms       []*dayFirm
	contractors []int64
	considered  map[int64]string // firm → the considered list of a delegation to it
	short       string           // 呼和浩特, 兴安
}

// dayWorld is the province and what every review's history is computed with.
type dayWorld struct {
	now        time.Time
	today      calendar.Date
	suite      cryptosuite.Suite
	cal        *calendar.Calendar
	calVersion string
	schedule   fee.Schedule
	scheduleID int64
	cities     []*dayCity
	cityCum    []float64
	demoUnit   *dayUnit
	experts    []int64

	// Next ids and numbers, taken by the single generating goroutine.
	nextProject, nextDoc, nextPaper, nextDelegation int64
	paperNo                                         map[paperSeries]int
	archiveNo                                       map[string]int
}

type paperSeries struct {
	j    int64
	kind string
	year int
}

// ensureReviews tops the bench database up to n reviews with the
// working day's data: reviews without a history (another step's bare
// fixtures) are given one, the rest are added.
func (h *harness) ensureReviews(ctx context.Context, n int) error {
	t0 := time.Now()
	w, err := h.dayWorld(ctx)
	if err != nil {
		return fmt.Errorf("day fixture: %w", err)
	}
	var have int
	if err := h.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM reviews").Scan(&have); err != nil {
		return err
	}
	bare, err := h.bareReviews(ctx)
	if err != nil {
		return err
	}
	var maxID int64
	if err := h.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id),0) FROM reviews").Scan(&maxID); err != nil {
		return err
	}
	jobs := make([]dayJob, 0, len(bare)+max(0, n-have))
	for _, id := range bare {
		jobs = append(jobs, dayJob{id: id})
	}
	for i := 0; i < n-have; i++ {
		jobs = append(jobs, dayJob{id: maxID + 1 + int64(i)})
	}
	if len(jobs) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "   day fixture: %d reviews to write (%d without history, %d new), province set up in %.1f s\n",
		len(jobs), len(bare), max(0, n-have), time.Since(t0).Seconds())
	if err := h.writeDay(ctx, w, jobs, t0); err != nil {
		return err
	}
	return h.dayAnchor(ctx, w)
}

// dayAnchor records the audit anchor of the day before, vouching for
// every chain as a deployment's daily anchors have: the anchor serve
// records as it starts then covers the streams moved since, as a day's
// does, not the whole province's at once. The key is serve's
// (FINREVIEW_AUDIT_KEY_FILE).
func (h *harness) dayAnchor(ctx context.Context, w *dayWorld) error {
	if h.dsn == "" {
		return fmt.Errorf("day fixture: anchor: no DSN")
	}
	t0 := time.Now()
	key, err := audit.LoadKey(env("FINREVIEW_AUDIT_KEY_FILE", config.DefaultAuditKeyFile))
	if err != nil {
		return fmt.Errorf("day fixture: anchor key: %w", err)
	}
	// The store's transactions send several statements at once: its own pool.
	db, err := store.Open(ctx, h.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st := store.New(db)
	st.SetSuite(w.suite)
	st.SetAuditKey(key)
	if err := audit.Anchor(ctx, st, w.today.Start().Add(-time.Minute)); err != nil {
		return fmt.Errorf("day fixture: anchor: %w", err)
	}
	fmt.Fprintf(os.Stderr, "   day fixture: audit anchor of the day before recorded in %.1f s\n", time.Since(t0).Seconds())
	return nil
}

// dayHistory gives the reviews ids, made bare by reviewFixture for the
// virtual users, a history in their state, keeping their project, unit,
// firm, kind and amount.
func (h *harness) dayHistory(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	t0 := time.Now()
	w, err := h.dayWorld(ctx)
	if err != nil {
		return fmt.Errorf("day fixture: %w", err)
	}
	units := map[int64]*dayUnit{}
	for _, c := range w.cities {
		for _, j := range c.juris {
			for _, u := range j.units {
				units[u.id] = u
			}
		}
	}
	firms := map[int64]*dayFirm{}
	for _, c := range w.cities {
		for _, f := range c.firms {
			firms[f.id] = f
		}
	}
	jobs := make([]dayJob, 0, len(ids))
	for lo := 0; lo < len(ids); lo += 1000 {
		part := ids[lo:min(len(ids), lo+1000)]
		q := "SELECT r.id, r.project_id, p.name, p.code, r.kind, r.state, r.unit_org_id, COALESCE(r.firm_id,0), r.submitted_amount FROM reviews r " +
			"JOIN projects p ON p.id = r.project_id WHERE r.id IN (" + strings.Repeat("?,", len(part)-1) + "?) ORDER BY r.id"
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := h.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p dayPinned
			var id, unit, firm int64
			if err := rows.Scan(&id, &p.project, &p.projectName, &p.projectCode, &p.kind, &p.state, &unit, &firm, &p.submitted); err != nil {
				rows.Close()
				return err
			}
			if p.unit = units[unit]; p.unit == nil {
				rows.Close()
				return fmt.Errorf("review %d: unit %d is not a construction unit of the province", id, unit)
			}
			if firm != 0 {
				if p.firm = firms[firm]; p.firm == nil {
					rows.Close()
					return fmt.Errorf("review %d: firm %d is not a firm of the province", id, firm)
				}
			}
			jobs = append(jobs, dayJob{id: id, pin: &p})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return h.writeDay(ctx, w, jobs, t0)
}

// bareReviews are the reviews without any history: no audit chain, no
// timeline, documents or deadlines, not imported.
func (h *harness) bareReviews(ctx context.Context) ([]int64, error) {
	return h.ids(ctx, `SELECT r.id FROM reviews r WHERE r.audit_seq = 0 AND r.import_id IS NULL
		AND NOT EXISTS (SELECT 1 FROM review_events e WHERE e.review_id = r.id)
		AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.review_id = r.id)
		AND NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.review_id = r.id) ORDER BY r.id`)
}

// dayJob is one review to write: its id and, for the virtual users'
// reviews, what it keeps.
type dayJob struct {
	id  int64
	pin *dayPinned
}

type dayPinned struct {
	project     int64
	projectName string
	projectCode string
	kind, state string
	unit        *dayUnit
	firm        *dayFirm
	submitted   decimal.Decimal
}

// writeDay generates the jobs' rows in one goroutine, chunk by chunk, and
// writes each chunk in a transaction of its own on dayWriters connections.
func (h *harness) writeDay(ctx context.Context, w *dayWorld, jobs []dayJob, t0 time.Time) error {
	// Indexes a run cut short left dropped are built first.
	if err := h.dayIndexes(ctx, true); err != nil {
		return fmt.Errorf("day fixture: %w", err)
	}
	if len(jobs) >= dayBulkFrom {
		if err := h.dayIndexes(ctx, false); err != nil {
			return fmt.Errorf("day fixture: %w", err)
		}
		defer func() {
			t1 := time.Now()
			if err := h.dayIndexes(context.WithoutCancel(ctx), true); err != nil {
				fmt.Fprintf(os.Stderr, "   day fixture: %v\n", err)
				return
			}
			fmt.Fprintf(os.Stderr, "   day fixture: indexes built again in %.1f s\n", time.Since(t1).Seconds())
		}()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *dayRows, 2*dayWriters)
	var written, reviewsDone atomic.Int64
	counts := map[string]*atomic.Int64{}
	for _, t := range dayTableOrder {
		counts[t.name] = &atomic.Int64{}
	}
	errc := make(chan error, dayWriters+1)
	var wg sync.WaitGroup
	for i := 0; i < dayWriters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range chunks {
				if err := h.writeChunk(ctx, c); err != nil {
					errc <- err
					cancel()
					for range chunks {
					}
					return
				}
				for _, t := range c.tables {
					n := int64(t.rows())
					counts[t.name].Add(n)
					written.Add(n)
				}
				reviewsDone.Add(int64(c.reviews))
			}
		}()
	}
	stopProgress := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				fmt.Fprintf(os.Stderr, "   day fixture: %d/%d reviews, %d rows, %.0f s\n", reviewsDone.Load(), len(jobs), written.Load(), time.Since(t0).Seconds())
			}
		}
	}()
	genErr := w.generate(ctx, jobs, chunks)
	close(chunks)
	wg.Wait()
	close(stopProgress)
	close(errc)
	if err := <-errc; err != nil {
		return fmt.Errorf("day fixture: %w", err)
	}
	if genErr != nil {
		return fmt.Errorf("day fixture: %w", genErr)
	}
	// The series' counters go past the numbers the papers took, so the
	// next paper issued gets the next number.
	if _, err := h.db.ExecContext(ctx, `INSERT INTO paper_counters (jurisdiction_id, series, year, last_number)
		SELECT jurisdiction_id, kind, year, MAX(number) FROM papers GROUP BY jurisdiction_id, kind, year
		ON DUPLICATE KEY UPDATE last_number = GREATEST(last_number, VALUES(last_number))`); err != nil {
		return fmt.Errorf("day fixture: paper counters: %w", err)
	}
	loaded := time.Since(t0)
	for _, t := range []string{"reviews", "review_events", "audit_events", "documents", "papers", "deadlines", "fee_statements", "delegations", "projects"} {
		if _, err := h.db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return err
		}
	}
	var parts []string
	for _, t := range dayTableOrder {
		if n := counts[t.name].Load(); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t.name, n))
		}
	}
	fmt.Fprintf(os.Stderr, "   day fixture: %d reviews, %d rows in %.1f s (ANALYZE after: %.1f s): %s\n", reviewsDone.Load(), written.Load(),
		loaded.Seconds(), (time.Since(t0) - loaded).Seconds(), strings.Join(parts, ", "))
	return nil
}

// dayBulkIndexes are the secondary indexes whose keys come in no order as
// the fixture writes a review's history after another's (by actor, by
// action, by time over three years): with the small buffer pool of a
// shared machine every row's insert into them reads a page from disk. A
// large write drops them first and builds them again at the end, sorted,
// as migrations 0004 and 0034 define them. (idx_review_events_actor stays:
// a foreign key needs it.)
var dayBulkIndexes = []struct{ table, name, cols string }{
	{"audit_events", "idx_audit_events_actor", "actor_id, at"},
	{"audit_events", "idx_audit_events_action", "action, at"},
	{"audit_events", "idx_audit_events_at", "at"},
	{"documents", "idx_documents_status", "status, created_at"},
}

const dayBulkFrom = 20000 // reviews to write from which the indexes are dropped first

// dayIndexes drops (build false) or builds (true) the dayBulkIndexes;
// building leaves the indexes that are there as they are.
func (h *harness) dayIndexes(ctx context.Context, build bool) error {
	by := map[string][]string{}
	var tables []string
	for _, x := range dayBulkIndexes {
		if by[x.table] == nil {
			tables = append(tables, x.table)
		}
		clause := "DROP INDEX IF EXISTS " + x.name
		if build {
			clause = "ADD INDEX IF NOT EXISTS " + x.name + " (" + x.cols + ")"
		}
		by[x.table] = append(by[x.table], clause)
	}
	for _, t := range tables {
		if _, err := h.db.ExecContext(ctx, "ALTER TABLE "+t+" "+strings.Join(by[t], ", ")); err != nil {
			return fmt.Errorf("indexes of %s: %w", t, err)
		}
	}
	return nil
}

// writeChunk writes a chunk's rows in one transaction, again after a
// deadlock.
func (h *harness) writeChunk(ctx context.Context, c *dayRows) error {
	for attempt := 0; ; attempt++ {
		err := func() error {
			tx, err := h.db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for _, t := range c.tables {
				if err := t.exec(ctx, tx); err != nil {
					return err
				}
			}
			return tx.Commit()
		}()
		var me *mysql.MySQLError
		if err != nil && errors.As(err, &me) && me.Number == 1213 && attempt < 3 {
			continue
		}
		return err
	}
}

// dayTable is one table's rows of a chunk, flat.
type dayTable struct {
	name, cols, tail string
	ncol             int
	args             []any
	ignore           bool // INSERT IGNORE
}

func (t *dayTable) add(vals ...any) {
	if len(vals) != t.ncol {
		panic(fmt.Sprintf("%s: %d values for %d columns", t.name, len(vals), t.ncol))
	}
	t.args = append(t.args, vals...)
}

func (t *dayTable) rows() int { return len(t.args) / t.ncol }

// exec inserts the rows, dayMaxRows to a statement.
func (t *dayTable) exec(ctx context.Context, tx *sql.Tx) error {
	row := "(" + strings.Repeat("?,", t.ncol-1) + "?)"
	for off := 0; off < len(t.args); off += dayMaxRows * t.ncol {
		end := min(len(t.args), off+dayMaxRows*t.ncol)
		var b strings.Builder
		b.WriteString("INSERT ")
		if t.ignore {
			b.WriteString("IGNORE ")
		}
		b.WriteString("INTO " + t.name + " (" + t.cols + ") VALUES ")
		for i := 0; i < (end-off)/t.ncol; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(row)
		}
		b.WriteString(t.tail)
		if _, err := tx.ExecContext(ctx, b.String(), t.args[off:end]...); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
	}
	return nil
}

// dayTableOrder lists the tables in the order their rows are inserted
// (parents before children).
var dayTableOrder = []struct{ name, cols, tail string }{
	{"projects", "id, code, name, jurisdiction_id, unit_org_id, funding_source, category, approved_estimate, key_project, created_by, created_at", ""},
	{"project_contractors", "project_id, contractor_org_id", ""},
	{"reviews", "id, project_id, kind, state, version, round, jurisdiction_id, unit_org_id, submitted_amount, audited_amount, firm_id, supervisor_id, " +
		"suspended, appeal_used, outcome, fee_schedule_id, delegated_at, submitted_at, concluded_at, created_by, created_at, updated_at, audit_seq, audit_hash",
		" ON DUPLICATE KEY UPDATE project_id = VALUES(project_id), kind = VALUES(kind), state = VALUES(state), version = VALUES(version), " +
			"round = VALUES(round), jurisdiction_id = VALUES(jurisdiction_id), unit_org_id = VALUES(unit_org_id), submitted_amount = VALUES(submitted_amount), " +
			"audited_amount = VALUES(audited_amount), firm_id = VALUES(firm_id), supervisor_id = VALUES(supervisor_id), suspended = VALUES(suspended), " +
			"appeal_used = VALUES(appeal_used), outcome = VALUES(outcome), fee_schedule_id = VALUES(fee_schedule_id), delegated_at = VALUES(delegated_at), " +
			"submitted_at = VALUES(submitted_at), concluded_at = VALUES(concluded_at), created_by = VALUES(created_by), created_at = VALUES(created_at), " +
			"updated_at = VALUES(updated_at), audit_seq = VALUES(audit_seq), audit_hash = VALUES(audit_hash)"},
	{"delegations", "id, review_id, firm_id, supervisor_id, at, actor_id, override, reason, considered, status", ""},
	{"review_events", "review_id, round, at, actor_id, actor_name, actor_role, trig, from_state, to_state, reason, params", ""},
	{"documents", "id, review_id, category, name, version, object_key, size, sha256, sm3, content_type, signed_sealed, status, uploader_id, " +
		"created_at, committed_at, official", ""},
	{"papers", "id, review_id, kind, jurisdiction_id, year, number, doc_number, document_id, issued_by, issued_by_name, issued_at, snapshot", ""},
	{"deadlines", "review_id, kind, starts_at, due_at, workdays, state, remaining_workdays, flagged_year, calendar_version, reminded_2, reminded_1, " +
		"remind2_at, remind1_at, next_remind_at, fired_at, fired_by, ended_at, created_at", ""},
	{"fee_statements", "review_id, schedule_id, kind, outcome, submitted_amount, audited_amount, basic_fee, reduction_fee, total_fee, " +
		"contractor_share, finance_share, payable_now, payable_later, paid_at, computed_at", ""},
	{"signatures", "review_id, round, party, org_id, user_id, agree, reasons, at", ""},
	{"disputes", "review_id, reasons, expert_ids, fault_party, revised_amount, opened_at, resolved_at", ""},
	{"review_experts", "review_id, expert_id, purpose, drawn_at", ""},
	{"site_surveys", "review_id, survey_date, people, findings, created_by, created_at", ""},
	{"tracking_records", "review_id, kind, record_date, title, description, amount, created_by, created_at", ""},
	{"suspensions", "review_id, reason, expected_workdays, started_at, ended_at, started_by, ended_by", ""},
	{"archive_records", "review_id, archive_number, paper_received_on, received_by, retention_years, created_by, created_at", ""},
	{"document_access", "document_id, user_id, action, ip, at", ""},
	{"audit_events", "stream, seq, at, actor_id, actor_name, action, review_id, object_type, object_id, detail, prev_hash, hash", ""},
}

// dayRows is a chunk: its reviews' rows by table, in dayTableOrder.
type dayRows struct {
	reviews int
	tables  []*dayTable
	by      map[string]*dayTable
}

func newDayRows() *dayRows {
	c := &dayRows{by: map[string]*dayTable{}}
	for _, t := range dayTableOrder {
		dt := &dayTable{name: t.name, cols: t.cols, tail: t.tail, ncol: strings.Count(t.cols, ",") + 1}
		c.tables = append(c.tables, dt)
		c.by[t.name] = dt
	}
	return c
}

func (c *dayRows) t(name string) *dayTable { return c.by[name] }

// generate makes the jobs' rows, a project's reviews at a time, and sends
// them in chunks of about dayChunk reviews.
func (w *dayWorld) generate(ctx context.Context, jobs []dayJob, out chan<- *dayRows) error {
	c := newDayRows()
	send := func() error {
		if c.reviews == 0 {
			return nil
		}
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = newDayRows()
		return nil
	}
	for i := 0; i < len(jobs); {
		rnd := rand.New(rand.NewSource(jobs[i].id*2654435761 + 17))
		var group []dayJob
		var p *dayProject
		if jobs[i].pin != nil {
			group = jobs[i : i+1]
			pin := jobs[i].pin
			p = &dayProject{id: pin.project, name: pin.projectName, code: pin.projectCode, unit: pin.unit, j: pin.unit.j}
		} else {
			k := min(len(jobs)-i, 1+rnd.Intn(3)+rnd.Intn(2))
			for _, j := range jobs[i : i+k] {
				if j.pin != nil {
					break
				}
				group = append(group, j)
			}
			p = w.newProject(rnd, c)
		}
		for n, j := range group {
			if err := w.review(rnd, c, p, j, n); err != nil {
				return fmt.Errorf("review %d: %w", j.id, err)
			}
			c.reviews++
		}
		i += len(group)
		if c.reviews >= dayChunk {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return send()
}

// dayProject is a project and the base amount its reviews are about.
type dayProject struct {
	id     int64
	name   string
	code   string
	unit   *dayUnit
	j      *dayJuris
	amount int64 // cents
	key    bool
}

// newProject picks a unit of the province and adds a project of it.
func (w *dayWorld) newProject(rnd *rand.Rand, c *dayRows) *dayProject {
	var u *dayUnit
	if rnd.Float64() < dayDemoShare {
		u = w.demoUnit
	} else {
		city := w.cities[pickCum(rnd, w.cityCum)]
		j := city.juris[pickWeighted(rnd, len(city.juris), func(i int) float64 { return city.juris[i].weight })]
		u = j.units[pickWeighted(rnd, len(j.units), func(i int) float64 { return j.units[i].weight })]
	}
	w.nextProject++
	p := &dayProject{id: w.nextProject, unit: u, j: u.j}
	tmpl := dayDepts[u.dept].projects
	name := tmpl[rnd.Intn(len(tmpl))]
	if strings.Contains(name, "%s") {
		name = fmt.Sprintf(name, dayOrdinals[rnd.Intn(len(dayOrdinals))])
	}
	p.name = u.j.prefix + name
	// 20万 to 6000万 yuan, log-uniform.
	p.amount = int64(math.Exp(math.Log(2e7)+rnd.Float64()*(math.Log(6e9)-math.Log(2e7)))) / 100 * 100
	p.key = p.amount >= 500000000
	year := w.now.Year() - rnd.Intn(3)
	p.code = fmt.Sprintf("%s-%d-%06d", u.j.Code, year, p.id)
	funding := []string{"general_budget", "general_budget", "government_fund", "special_bond", "special_fund", "other"}
	category := []string{"capital", "capital", "renovation", "renovation", "decoration"}
	estimate := decimal.New(p.amount*int64(105+rnd.Intn(15))/100, -2)
	c.t("projects").add(p.id, p.code, p.name, u.j.ID, u.id, funding[rnd.Intn(len(funding))], category[rnd.Intn(len(category))],
		estimate.StringFixed(2), p.key, u.user.id, w.now.AddDate(-3, 0, 0).Add(time.Duration(rnd.Int63n(int64(3*365*24*time.Hour)))))
	if cs := u.j.city.contractors; len(cs) > 0 {
		c.t("project_contractors").add(p.id, cs[rnd.Intn(len(cs))])
	}
	return p
}

func pickCum(rnd *rand.Rand, cum []float64) int {
	x := rnd.Float64() * cum[len(cum)-1]
	return sort.SearchFloat64s(cum, x)
}

func pickWeighted(rnd *rand.Rand, n int, weight func(int) float64) int {
	total := 0.0
	for i := 0; i < n; i++ {
		total += weight(i)
	}
	x := rnd.Float64() * total
	for i := 0; i < n; i++ {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

func pickState(rnd *rand.Rand) string {
	return dayStates[pickWeighted(rnd, len(dayStates), func(i int) float64 { return dayStates[i].weight })].state
}

// dayStep is one transition of a review's path.
type dayStep struct {
	trig   string
	actor  byte // u unit, f finance, c center, i firm, s system
	to     string
	gap    int // working days after the step before
	reason string
	params [][2]string
}

// dayPath is the path of a review to its state: the main path with the
// turns a real review takes (a return, surveys, materials asked for, a
// report sent back, a suspension, a dispute, an appeal) now and then.
func dayPath(rnd *rand.Rand, state, kind string, audited func() string) []dayStep {
	var s []dayStep
	gap := func(lo, hi int) int { return lo + rnd.Intn(hi-lo+1) }
	add := func(trig string, actor byte, to string, g int, reason string, kv ...string) {
		st := dayStep{trig: trig, actor: actor, to: to, gap: g, reason: reason}
		for i := 0; i+1 < len(kv); i += 2 {
			st.params = append(st.params, [2]string{kv[i], kv[i+1]})
		}
		s = append(s, st)
	}
	after := map[string]int{}
	for i, st := range dayStates {
		after[st.state] = i
	}
	late := func(x string) bool { return after[state] >= after[x] && state != "returned" }
	if state == "draft" {
		return nil
	}
	add("submit", 'u', "submitted", gap(1, 6), "")
	if state == "returned" || (late("accepted") && rnd.Float64() < 0.04) {
		add("issue_notice", 'f', "notified", gap(1, 4), "")
		add("return", 'c', "returned", gap(0, 3), dayReturnReasons[rnd.Intn(len(dayReturnReasons))])
		if state == "returned" {
			return s
		}
		add("resubmit", 'u', "submitted", gap(5, 25), "")
	}
	if state == "submitted" {
		return s
	}
	add("issue_notice", 'f', "notified", gap(1, 4), "")
	if state == "notified" {
		return s
	}
	g := gap(0, 3)
	if rnd.Float64() < 0.08 {
		g = gap(5, 8) // late: the intake deadline fired before
	}
	add("accept", 'c', "accepted", g, "")
	if state == "accepted" {
		return s
	}
	add("delegate", 'c', "delegated", gap(1, 6), "")
	suspendEnd := rnd.Float64() < 0.05
	if state == "delegated" {
		if suspendEnd {
			add("suspend", 'c', "delegated", gap(1, 4), "设计变更待审批", "expected_workdays", strconv.Itoa(5+rnd.Intn(20)))
		}
		return s
	}
	add("start", 'i', "in_review", gap(1, 4), "")
	if rnd.Float64() < 0.5 {
		add("record_survey", 'i', "in_review", gap(2, 6), "", "findings", "主体结构与竣工图一致,部分签证工程量与现场不符,需核减", "people", "评审人员、建设单位及施工单位代表",
			"survey_date", "")
	}
	if rnd.Float64() < 0.25 {
		add("request_materials", 'i', "in_review", gap(1, 5), "请补充隐蔽工程验收记录及材料认价单(签字盖章)")
	}
	if kind == "tracking" {
		for k := 0; k < 2+rnd.Intn(3); k++ {
			add("add_tracking", 'i', "in_review", gap(4, 12), "", "description", "监理、建设、施工三方到场,符合设计及规范要求", "kind", "hidden_works",
				"record_date", "", "title", "隐蔽工程验收")
		}
	}
	if rnd.Float64() < 0.08 {
		add("suspend", 'c', "in_review", gap(1, 5), "设计变更待审批", "expected_workdays", strconv.Itoa(5+rnd.Intn(20)))
		add("resume", 'c', "in_review", gap(4, 20), "变更已批复,恢复评审")
	}
	if state == "in_review" {
		if suspendEnd {
			add("suspend", 'c', "in_review", gap(1, 4), "建设单位申请补充变更资料", "expected_workdays", strconv.Itoa(5+rnd.Intn(20)))
		}
		return s
	}
	if state == "reconciling" || rnd.Float64() < 0.7 {
		add("reconcile", 'i', "reconciling", gap(3, 10), "")
	}
	if state == "reconciling" {
		if suspendEnd {
			add("suspend", 'c', "reconciling", gap(1, 4), "施工单位申请补充签证资料", "expected_workdays", strconv.Itoa(5+rnd.Intn(20)))
		}
		return s
	}
	a := audited()
	add("submit_draft", 'i', "center_check", gap(2, 8), "", "audited_amount", a)
	if rnd.Float64() < 0.1 {
		add("send_back", 'c', "in_review", gap(1, 5), "审核报告初稿部分工程量计算依据不足,请补充核实")
		add("submit_draft", 'i', "center_check", gap(2, 8), "", "audited_amount", a)
	}
	if state == "center_check" {
		return s
	}
	add("send_opinion", 'c', "opinion_sent", gap(1, 5), "")
	x := rnd.Float64()
	switch {
	case state == "opinion_sent":
		return s
	case state == "disputed" || state == "expert_review" || (late("concluded") && x < 0.04):
		add("sign", 'u', "disputed", gap(1, 4), "", "agree", "false", "reasons", "钢材、商品混凝土单价按信息价下浮不合理,部分工程量计算有误")
		if state == "disputed" {
			return s
		}
		add("expert_review", 'c', "expert_review", gap(2, 8), "", "experts", "")
		if state == "expert_review" {
			return s
		}
		add("resolve", 'c', "opinion_sent", gap(5, 15), "", "audited_amount", a, "fault_party", "firm")
		add("sign", 'u', "signed", gap(1, 4), "", "agree", "true")
	case state == "unilateral" || (late("concluded") && x < 0.07):
		add("unilateral", 'c', "unilateral", gap(2, 4), "建设单位无正当理由逾期拒不签署意见")
		if state == "unilateral" {
			return s
		}
	case state == "deemed_agreed" || (late("concluded") && x < 0.15):
		add("deem_agreed", 's', "deemed_agreed", opinionDays+1, "")
		if state == "deemed_agreed" {
			return s
		}
	default:
		add("sign", 'u', "signed", gap(1, 4), "", "agree", "true")
		if state == "signed" {
			return s
		}
	}
	add("conclude", 'c', "concluded", gap(2, 10), "")
	if state == "appeal" || (late("processed") && rnd.Float64() < 0.03) {
		add("appeal", 'u', "appeal", gap(2, 8), "审定金额未计入已签证的零星工程,申请复议")
		if state == "appeal" {
			return s
		}
		add("uphold", 'c', "concluded", gap(8, 20), "复议理由不成立,维持原评审结论")
	}
	if state == "concluded" {
		return s
	}
	add("process", 'f', "processed", gap(3, 40), "")
	if state == "processed" {
		return s
	}
	add("archive", 'f', "archived", gap(10, 60), "", "archive_number", "", "paper_received_on", "", "received_by", "", "retention_years", "30")
	return s
}

// lagDays is how long ago, in calendar days, a review in state last moved.
func lagDays(rnd *rand.Rand, state string) int {
	r := func(lo, hi int) int { return lo + rnd.Intn(hi-lo+1) }
	switch state {
	case "notified", "opinion_sent":
		return r(0, 2)
	case "submitted", "accepted", "delegated", "center_check", "signed", "disputed", "unilateral":
		return r(0, 10)
	case "in_review", "reconciling", "deemed_agreed", "appeal":
		return r(0, 20)
	case "expert_review":
		return r(0, 30)
	case "concluded":
		return r(1, 120)
	case "processed":
		return r(5, 400)
	case "archived", "returned":
		return r(30, 1050)
	}
	return r(0, 60)
}

// dayReview is a review being written: its row's values as its path
// moves it, its audit chain's head and its deadlines.
type dayReview struct {
	w   *dayWorld
	c   *dayRows
	rnd *rand.Rand

	id          int64
	p           *dayProject
	unit        *dayUnit
	j           *dayJuris
	firm        *dayFirm
	kind, state string
	submitted   decimal.Decimal
	audited     decimal.NullDecimal
	round       int
	outcome     string
	firmNow     int64
	supervisor  int64
	suspended   bool
	appealUsed  bool
	delegatedAt sql.NullTime
	submittedAt sql.NullTime
	concludedAt sql.NullTime
	feeSchedule any
	seq         int64
	prev        string
	version     int
	deadlines   []*dayDeadline
	submissions []dayDoc
	suspension  *daySuspension
	dispute     *dayDispute
	fee         []any // the fee statement's row, paid_at (13) set when processed
	later       []func()
}

type dayDoc struct {
	id               int64
	category, name   string
	sha256           string
	size             int64
	uploader         dayUser
	createdAt, atCmt time.Time
}

type daySuspension struct {
	reason   string
	workdays int
	started  time.Time
	ended    sql.NullTime
	by       int64
	endedBy  any
}

type dayDispute struct {
	reasons  string
	experts  string
	fault    any
	revised  any
	opened   time.Time
	resolved sql.NullTime
}

type dayDeadline struct {
	kind                 string
	starts, due, created time.Time
	workdays             int
	state                string
	remaining, flagged   sql.NullInt64
	r2, r1               time.Time
	reminded2, reminded1 bool
	fired, ended         sql.NullTime
}

var systemUser = dayUser{name: "系统", role: "system"}

func us(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// office is a moment of the working day d.
func office(rnd *rand.Rand, d calendar.Date) time.Time {
	return us(d.Start().Add(8*time.Hour + 30*time.Minute + time.Duration(rnd.Intn(540*60))*time.Second))
}

func (w *dayWorld) workdayOnOrBefore(d calendar.Date) calendar.Date {
	for i := 0; i < 40 && !w.cal.IsWorkday(d); i++ {
		d = d.AddDays(-1)
	}
	return d
}

func (w *dayWorld) subWorkdays(d calendar.Date, k int) calendar.Date {
	for ; k > 0; k-- {
		d = w.workdayOnOrBefore(d.AddDays(-1))
	}
	return d
}

func randHex(rnd *rand.Rand, n int) string {
	b := make([]byte, n)
	rnd.Read(b)
	return hex.EncodeToString(b)
}

func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// review writes one review with its history.
func (w *dayWorld) review(rnd *rand.Rand, c *dayRows, p *dayProject, job dayJob, n int) error {
	r := &dayReview{w: w, c: c, rnd: rnd, id: job.id, p: p, unit: p.unit, j: p.j, state: "draft", round: 1, outcome: "normal", version: 1}
	var target string // the state its path ends in
	if pin := job.pin; pin != nil {
		target, r.kind, r.firm, r.submitted = pin.state, pin.kind, pin.firm, pin.submitted
	} else {
		target = pickState(rnd)
		if n == 0 {
			r.kind = dayFirstKinds[pickWeighted(rnd, len(dayFirstKinds), func(i int) float64 { return dayFirstKinds[i].weight })].kind
		} else {
			r.kind = []string{"change", "change", "change", "change", "settlement", "final_accounts"}[rnd.Intn(6)]
		}
		f := 0.9 + rnd.Float64()*0.15
		switch r.kind {
		case "change":
			f = 0.02 + rnd.Float64()*0.08
		case "special_check":
			f = 0.05 + rnd.Float64()*0.25
		}
		r.submitted = decimal.New(int64(float64(p.amount)*f), -2)
	}
	if r.firm == nil {
		if fs := r.j.city.firms; len(fs) > 0 {
			r.firm = fs[rnd.Intn(len(fs))]
		}
	}
	bp := int64(math.Max(-200, math.Min(3000, rnd.NormFloat64()*400+500)))
	audited := r.submitted.Mul(decimal.New(10000-bp, -4)).Round(2).StringFixed(2)
	steps := dayPath(rnd, target, r.kind, func() string { return audited })
	if job.pin != nil && len(steps) > 0 && steps[len(steps)-1].trig == "suspend" {
		steps = steps[:len(steps)-1] // the virtual users suspend their reviews themselves
	}
	if r.firm == nil {
		for _, s := range steps {
			if s.trig == "delegate" {
				return fmt.Errorf("no firm in %s", r.j.city.def.name)
			}
		}
	}

	// Dates: the last step lag days ago (never today), the ones before
	// it their working days earlier; times within office hours, in order.
	today := w.today
	last := w.workdayOnOrBefore(today.AddDays(-lagDays(rnd, target)))
	if !last.Before(today) {
		last = w.subWorkdays(today, 1)
	}
	dates := make([]calendar.Date, len(steps))
	if len(steps) > 0 {
		dates[len(steps)-1] = last
		for i := len(steps) - 1; i > 0; i-- {
			dates[i-1] = w.subWorkdays(dates[i], steps[i].gap)
		}
	}
	at := make([]time.Time, len(steps))
	for i := range steps {
		if i > 0 && dates[i] == dates[i-1] {
			at[i] = us(at[i-1].Add(time.Duration(3+rnd.Intn(90)) * time.Minute))
		} else {
			at[i] = office(rnd, dates[i])
		}
	}
	var created time.Time
	if len(steps) == 0 {
		created = office(rnd, w.workdayOnOrBefore(today.AddDays(-1-rnd.Intn(60))))
	} else {
		cd := w.subWorkdays(dates[0], rnd.Intn(6))
		created = office(rnd, cd)
		if !created.Before(at[0]) {
			created = us(at[0].Add(-time.Duration(30+rnd.Intn(120)) * time.Minute))
		}
	}

	r.audit(created, r.unit.user, "create_review", "review", strconv.FormatInt(r.id, 10),
		fmt.Sprintf(`{"kind":%s,"project_id":%d,"submitted_amount":"%s"}`, jsonStr(r.kind), p.id, r.submitted.StringFixed(2)))
	// Submission documents, uploaded before the submission (or, for a
	// draft, since its creation).
	until := w.now.Add(-time.Hour)
	if len(steps) > 0 {
		until = at[0]
	}
	names := []string{p.name + "送审资料.pdf", p.name + "工程量清单.pdf", p.name + "竣工图.pdf"}
	t := created
	for k := 0; k < 1+rnd.Intn(2); k++ {
		t = us(t.Add(time.Duration(3+rnd.Intn(40)) * time.Minute))
		if !t.Before(until) {
			t = us(created.Add(until.Sub(created) * time.Duration(k+1) / 4))
		}
		d := r.upload(t, r.unit.user, "submission", names[k], 1<<20+rnd.Int63n(49<<20), true)
		r.submissions = append(r.submissions, d)
	}

	for i, s := range steps {
		t := at[i]
		if s.trig == "deem_agreed" {
			// The deadline engine fires the opinion deadline once it passed.
			for _, d := range r.deadlines {
				if d.kind == "opinion" && d.state == "pending" {
					t = us(d.due.Add(time.Duration(20+rnd.Intn(70)) * time.Second))
				}
			}
			at[i] = t
		}
		if err := r.step(s, t, nextOr(at, i+1, w.now)); err != nil {
			return fmt.Errorf("%s: %w", s.trig, err)
		}
	}
	r.finish(created, lastOr(at, created))
	return nil
}

func nextOr(at []time.Time, i int, def time.Time) time.Time {
	if i < len(at) {
		return at[i]
	}
	return def
}

func lastOr(at []time.Time, def time.Time) time.Time {
	if len(at) > 0 {
		return at[len(at)-1]
	}
	return def
}

// audit appends to the review's chain as audit.Append does.
func (r *dayReview) audit(at time.Time, actor dayUser, action, objType, objID, detail string) {
	r.seq++
	ev := store.AuditEvent{Stream: store.ReviewStream(r.id), Seq: r.seq, At: at, PrevHash: r.prev, AuditEntry: store.AuditEntry[string]{
		ActorID: actor.id, ActorName: actor.name, Action: action, ReviewID: r.id, ObjectType: objType, ObjectID: objID, Detail: detail}}
	ev.Hash = audit.HashWith(r.w.suite, ev)
	r.prev = ev.Hash
	var actorID any
	if actor.id != 0 {
		actorID = actor.id
	}
	r.c.t("audit_events").add(ev.Stream, ev.Seq, at, actorID, actor.name, action, r.id, objType, objID, detail, ev.PrevHash, ev.Hash)
}

// upload records a committed document and its audit event.
func (r *dayReview) upload(at time.Time, by dayUser, category, name string, size int64, sealed bool) dayDoc {
	r.w.nextDoc++
	d := dayDoc{id: r.w.nextDoc, category: category, name: name, sha256: randHex(r.rnd, 32), size: size, uploader: by,
		createdAt: us(at.Add(-time.Duration(1+r.rnd.Intn(30)) * time.Second)), atCmt: at}
	sm3 := randHex(r.rnd, 32)
	r.c.t("documents").add(d.id, r.id, category, name, 1, "reviews/"+strconv.FormatInt(r.id, 10)+"/"+randHex(r.rnd, 16), size, d.sha256, sm3,
		"application/pdf", sealed, "committed", by.id, d.createdAt, at, false)
	r.audit(at, by, "document_upload", "document", strconv.FormatInt(d.id, 10),
		fmt.Sprintf(`{"category":%s,"content_type":"application/pdf","name":%s,"sha256":"%s","signed_sealed":%t,"size":%d,"sm3":"%s","version":1}`,
			jsonStr(category), jsonStr(name), d.sha256, sealed, size, sm3))
	return d
}

// download records a download of d by u, as docs.Service.Open does.
func (r *dayReview) download(at time.Time, u dayUser, d dayDoc) {
	ip := fmt.Sprintf("10.%d.%d.%d", 1+r.rnd.Intn(250), r.rnd.Intn(256), 1+r.rnd.Intn(250))
	r.c.t("document_access").add(d.id, u.id, "download", ip, at)
	r.audit(at, u, "document_download", "document", strconv.FormatInt(d.id, 10),
		fmt.Sprintf(`{"category":%s,"ip":"%s","name":%s,"sha256":"%s","version":1}`, jsonStr(d.category), ip, jsonStr(d.name), d.sha256))
}

// paper issues a paper of kind with its 文号 and the row of its PDF,
// rendered a few seconds later, with both audit events.
func (r *dayReview) paper(at time.Time, kind string, issuer dayUser) (docNumber string, render func()) {
	w := r.w
	year := at.In(calendar.Location()).Year()
	key := paperSeries{r.j.ID, kind, year}
	w.paperNo[key]++
	num := w.paperNo[key]
	docNumber = docs.DocNumber(r.j.Jurisdiction, kind, year, num)
	w.nextPaper++
	w.nextDoc++
	paperID, docID := w.nextPaper, w.nextDoc
	title := map[string]string{"notice": "财政投资项目评审业务通知书", "opinion_letter": "评审结论征求意见书", "conclusion": "评审结论",
		"fee_statement": "评审费用结算单"}[kind]
	r.audit(at, issuer, "paper_issue", "paper", strconv.FormatInt(paperID, 10),
		fmt.Sprintf(`{"doc_number":%s,"kind":%s}`, jsonStr(docNumber), jsonStr(kind)))
	rendered := us(at.Add(time.Duration(3+r.rnd.Intn(40)) * time.Second))
	size := int64(60000 + r.rnd.Intn(35000))
	sha, sm3 := randHex(r.rnd, 32), randHex(r.rnd, 32)
	name := title + "-" + docNumber + ".pdf"
	r.c.t("documents").add(docID, r.id, kind, name, 1, "reviews/"+strconv.FormatInt(r.id, 10)+"/"+randHex(r.rnd, 16), size, sha, sm3,
		"application/pdf", false, "committed", issuer.id, us(rendered.Add(-40*time.Millisecond)), rendered, true)
	r.c.t("papers").add(paperID, r.id, kind, r.j.ID, year, num, docNumber, docID, issuer.id, issuer.name, at, r.snapshot(kind, title, docNumber, at))
	return docNumber, func() {
		r.audit(rendered, issuer, "paper_render", "paper", strconv.FormatInt(paperID, 10),
			fmt.Sprintf(`{"doc_number":%s,"document_id":%d,"kind":%s,"sha256":"%s","size":%d,"sm3":"%s","version":1}`,
				jsonStr(docNumber), docID, jsonStr(kind), sha, size, sm3))
	}
}

// snapshot is the content a paper's PDF was made from, in the shape
// docs writes it.
func (r *dayReview) snapshot(kind, title, docNumber string, at time.Time) string {
	type row struct {
		Label string `json:"label"`
		Value string `json:"value"`
	}
	type section struct {
		Heading    string   `json:"heading,omitempty"`
		Paragraphs []string `json:"paragraphs,omitempty"`
		Rows       []row    `json:"rows,omitempty"`
	}
	issuer := r.j.prefix + "财政局"
	addressee := r.j.center0 + ":"
	if kind != "notice" {
		issuer, addressee = r.j.center0, r.unit.name+":"
	}
	rows := []row{{"项目名称", r.p.name}, {"项目编号", r.p.code}, {"建设单位", r.unit.name}, {"所属区划", r.j.Name},
		{"评审类型", fee.Kind(r.kind).Label()}, {"送审金额(元)", fee.FormatAmount(r.submitted)}}
	secs := []section{{Paragraphs: []string{"根据《财政投资项目评审管理办法》," + r.unit.name + "报送的“" + r.p.name + "”" +
		fee.Kind(r.kind).Label() + "评审资料已经审查,现将有关事项函告如下。"}}, {Heading: "一、项目基本情况", Rows: rows}}
	if r.audited.Valid {
		secs = append(secs, section{Heading: "二、评审结果", Rows: []row{{"审定金额(元)", fee.FormatAmount(r.audited.Decimal)},
			{"审减金额(元)", fee.FormatAmount(r.submitted.Sub(r.audited.Decimal))}}, Paragraphs: []string{
			"审减主要原因:部分工程量计算有误,部分材料单价高于同期信息价,部分签证工程内容与现场不符。",
			"请于收到本文书之日起5个工作日内签署意见并反馈,逾期未签署的视同同意。"}})
	} else {
		secs = append(secs, section{Heading: "二、评审要求", Paragraphs: []string{"请对送审资料进行审查,具备评审条件的依规受理并制定评审计划;不具备评审条件的,说明原因后退回。",
			"评审工作应依法、依规进行,对评审结论的真实性、准确性、合理性负责,并按规定时限出具评审结论。"}})
	}
	local := at.In(calendar.Location())
	b, _ := json.Marshal(struct {
		Kind      string    `json:"kind"`
		Issuer    string    `json:"issuer"`
		DocNumber string    `json:"doc_number"`
		Title     string    `json:"title"`
		Addressee string    `json:"addressee"`
		Sections  []section `json:"sections"`
		Signer    string    `json:"signer"`
		Date      string    `json:"date"`
	}{kind, issuer, docNumber, title, addressee, secs, issuer, fmt.Sprintf("%d年%d月%d日", local.Year(), int(local.Month()), local.Day())})
	return string(b)
}

// change is the review as an audit event's before and after show it.
func (r *dayReview) change() string {
	b := make([]byte, 0, 160)
	b = append(b, `{"audited_amount":"`...)
	if r.audited.Valid {
		b = append(b, r.audited.Decimal.StringFixed(2)...)
	}
	b = append(b, `","firm_id":`...)
	b = strconv.AppendInt(b, r.firmNow, 10)
	b = append(b, `,"outcome":"`+r.outcome+`","round":`...)
	b = strconv.AppendInt(b, int64(r.round), 10)
	b = append(b, `,"state":"`+r.state+`","submitted_amount":"`+r.submitted.StringFixed(2)+`","suspended":`...)
	b = strconv.AppendBool(b, r.suspended)
	return string(append(b, '}'))
}

func paramsJSON(kv [][2]string) string {
	sorted := append([][2]string(nil), kv...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonStr(p[0]) + ":" + jsonStr(p[1]))
	}
	b.WriteByte('}')
	return b.String()
}

func (r *dayReview) actor(a byte) dayUser {
	switch a {
	case 'u':
		return r.unit.user
	case 'f':
		return r.j.finance
	case 'c':
		return r.j.center
	case 'i':
		return r.firm.user
	}
	return systemUser
}

// step fires one transition at t, with its effects as the review
// service's are: papers, deadlines, delegation, signature, fee statement.
// next is when the step after it happens.
func (r *dayReview) step(s dayStep, t, next time.Time) error {
	w, rnd := r.w, r.rnd
	a := r.actor(s.actor)
	r.fireDue(t)
	before := r.change()
	from := r.state
	var extra []string // "key":value parts of the audit detail besides the common ones
	var papers []string
	var renders []func()
	issue := func(kind string) {
		n, render := r.paper(t, kind, a)
		papers = append(papers, n)
		renders = append(renders, render)
	}
	params := s.params
	setParam := func(k, v string) {
		for i := range params {
			if params[i][0] == k {
				params[i][1] = v
			}
		}
	}
	params = append([][2]string(nil), params...)
	date := calendar.DateOf(t).String()
	switch s.trig {
	case "submit":
		r.submittedAt = sql.NullTime{Time: t, Valid: true}
	case "resubmit":
		r.round++
		r.outcome = "normal"
		r.submittedAt = sql.NullTime{Time: t, Valid: true}
	case "issue_notice":
		issue("notice")
		d := r.schedule("intake", t, intakeWorkdays)
		extra = append(extra, dueJSON(d))
	case "return":
		r.outcome = "returned"
		r.cancel(t, "intake")
	case "accept":
		r.cancel(t, "intake")
		if len(r.submissions) > 0 {
			d, at := r.submissions[0], us(t.Add(time.Duration(5+rnd.Intn(60))*time.Minute))
			r.later = append(r.later, func() { r.download(at, a, d) })
		}
	case "delegate":
		r.firmNow, r.supervisor = r.firm.id, r.j.center.id
		r.delegatedAt = sql.NullTime{Time: t, Valid: true}
		w.nextDelegation++
		considered := r.j.city.considered[r.firm.id]
		r.c.t("delegations").add(w.nextDelegation, r.id, r.firm.id, r.supervisor, t, a.id, false, "", considered, "active")
		r.audit(t, a, "delegate", "firm", strconv.FormatInt(r.firm.id, 10), fmt.Sprintf(`{"considered":%s,"cursor_after":"%d","cursor_before":"0",`+
			`"delegation_id":"%d","firm_id":"%d","firm_name":%s,"jurisdiction_id":"%d","kind":%s,"supervisor_id":"%d"}`,
			considered, r.firm.id, w.nextDelegation, r.firm.id, jsonStr(r.firm.name), r.j.ID, jsonStr(r.kind), r.supervisor))
		d := r.schedule("report", t, reportWorkdays)
		extra = append(extra, dueJSON(d), fmt.Sprintf(`"delegation":{"firm_id":%d,"firm_name":%s,"override":false}`, r.firm.id, jsonStr(r.firm.name)))
	case "start":
		for _, d := range r.submissions {
			at := us(t.Add(time.Duration(10+rnd.Intn(120)) * time.Minute))
			r.later = append(r.later, func() { r.download(at, a, d) })
		}
	case "record_survey":
		setParam("survey_date", date)
		r.c.t("site_surveys").add(r.id, date, "评审人员、建设单位及施工单位代表", "主体结构与竣工图一致,部分签证工程量与现场不符,需核减", a.id, t)
	case "request_materials":
		at := us(t.Add(time.Duration(60+rnd.Intn(180)) * time.Minute))
		if at.Before(next) {
			size := 1<<20 + rnd.Int63n(20<<20)
			r.later = append(r.later, func() { r.upload(at, r.unit.user, "supplement", r.p.name+"补充资料.pdf", size, true) })
		}
	case "add_tracking":
		setParam("record_date", date)
		r.c.t("tracking_records").add(r.id, "hidden_works", date, "隐蔽工程验收", "监理、建设、施工三方到场,符合设计及规范要求", nil, a.id, t)
	case "suspend":
		r.suspended = true
		wd, _ := strconv.Atoi(paramOf(params, "expected_workdays"))
		r.suspension = &daySuspension{reason: s.reason, workdays: wd, started: t, by: a.id}
		r.pause(t)
	case "resume":
		r.suspended = false
		if sp := r.suspension; sp != nil {
			sp.ended, sp.endedBy = sql.NullTime{Time: t, Valid: true}, a.id
			r.flushSuspension()
		}
		r.resume(t)
	case "submit_draft":
		r.upload(us(t.Add(-time.Duration(10+rnd.Intn(50))*time.Minute)), a, "draft_report", r.p.name+"审核报告(初稿).pdf", 1<<20+rnd.Int63n(10<<20), true)
		r.audited = decimal.NullDecimal{Decimal: decimal.RequireFromString(paramOf(params, "audited_amount")), Valid: true}
		r.cancel(t, "report")
	case "send_opinion":
		issue("opinion_letter")
		d := r.schedule("opinion", t, opinionDays)
		extra = append(extra, dueJSON(d))
	case "sign":
		agree := paramOf(params, "agree") == "true"
		r.c.t("signatures").add(r.id, r.round, "unit", r.unit.id, a.id, agree, paramOf(params, "reasons"), t)
		if !agree {
			r.dispute = &dayDispute{reasons: paramOf(params, "reasons"), opened: t}
		}
		r.cancel(t, "opinion")
	case "expert_review":
		ids := make([]string, 0, 2)
		for k, e := range w.experts {
			if k < 2 {
				r.c.t("review_experts").add(r.id, e, "dispute", t)
				ids = append(ids, strconv.FormatInt(e, 10))
			}
		}
		setParam("experts", strings.Join(ids, ","))
		if r.dispute != nil {
			r.dispute.experts = strings.Join(ids, ",")
		}
	case "resolve":
		r.audited = decimal.NullDecimal{Decimal: decimal.RequireFromString(paramOf(params, "audited_amount")), Valid: true}
		if r.dispute != nil {
			r.dispute.fault, r.dispute.revised = paramOf(params, "fault_party"), r.audited.Decimal.StringFixed(2)
			r.dispute.resolved = sql.NullTime{Time: t, Valid: true}
		}
		d := r.schedule("opinion", t, opinionDays)
		extra = append(extra, dueJSON(d))
	case "unilateral":
		r.outcome = "unilateral"
		r.cancel(t, "opinion")
	case "deem_agreed":
		for _, d := range r.deadlines {
			if d.kind == "opinion" && d.state == "pending" {
				r.fire(d, t)
				s.reason = "征求意见书送达后5个工作日内未签署意见(截止 " + d.due.In(calendar.Location()).Format("2006-01-02 15:04") + "),逾期视同同意"
			}
		}
	case "conclude":
		if r.outcome != "unilateral" {
			r.outcome = "normal"
		}
		if !r.concludedAt.Valid {
			r.concludedAt = sql.NullTime{Time: t, Valid: true}
		}
		r.upload(us(t.Add(-time.Duration(60+rnd.Intn(120))*time.Minute)), r.firm.user, "final_report", r.p.name+"审核报告.pdf", 1<<20+rnd.Int63n(10<<20), true)
		res, err := fee.ComputeTotals(w.schedule, fee.Input{Kind: fee.Kind(r.kind), Outcome: fee.Outcome(r.outcome), Submitted: r.submitted,
			Audited: r.audited.Decimal})
		if err != nil {
			return fmt.Errorf("fee: %w", err)
		}
		r.feeSchedule = w.scheduleID
		if r.fee == nil {
			r.fee = []any{r.id, w.scheduleID, r.kind, r.outcome, r.submitted.StringFixed(2), r.audited.Decimal.StringFixed(2),
				res.BasicFee.StringFixed(2), res.ReductionFee.StringFixed(2), res.TotalFee.StringFixed(2), res.ContractorShare.StringFixed(2),
				res.FinanceShare.StringFixed(2), res.PayableNow.StringFixed(2), res.PayableLater.StringFixed(2), nil, t}
		}
		extra = append(extra, `"fee_total":"`+res.TotalFee.StringFixed(2)+`"`)
		issue("conclusion")
		issue("fee_statement")
		r.cancel(t)
	case "process":
		if r.fee != nil {
			r.fee[13] = t // the finance section pays the firm as it processes the conclusion
		}
	case "appeal":
		r.appealUsed = true
		r.upload(us(t.Add(-time.Duration(5+rnd.Intn(30))*time.Minute)), a, "appeal", r.p.name+"复议申请.pdf", 200<<10+rnd.Int63n(2<<20), true)
	case "archive":
		prefix := docs.ShortName(r.j.Jurisdiction) + "财评档-" + strconv.Itoa(t.In(calendar.Location()).Year())
		w.archiveNo[prefix]++
		number := fmt.Sprintf("%s-%04d", prefix, w.archiveNo[prefix])
		receiver := dayName(rnd)
		setParam("archive_number", number)
		setParam("paper_received_on", date)
		setParam("received_by", receiver)
		r.c.t("archive_records").add(r.id, number, date, receiver, 30, a.id, t)
		extra = append(extra, fmt.Sprintf(`"archive":{"archive_number":%s,"paper_received_on":"%s","received_by":%s,"retention_years":30}`,
			jsonStr(number), date, jsonStr(receiver)))
		r.cancel(t)
	}
	r.state = s.to
	r.version++
	pj := paramsJSON(params)
	var actorID any
	if a.id != 0 {
		actorID = a.id
	}
	r.c.t("review_events").add(r.id, r.round, t, actorID, a.name, a.role, s.trig, from, s.to, s.reason, pj)
	if len(papers) > 0 {
		q := make([]string, len(papers))
		for i, p := range papers {
			q[i] = jsonStr(p)
		}
		extra = append(extra, `"papers":[`+strings.Join(q, ",")+`]`)
	}
	// The detail's keys in the order encoding/json writes a map's.
	parts := append([]string{`"after":` + r.change(), `"before":` + before, `"from":"` + from + `"`, `"params":` + pj,
		`"reason":` + jsonStr(s.reason), fmt.Sprintf(`"round":%d`, r.round), `"to":"` + s.to + `"`, `"trigger":"` + s.trig + `"`}, extra...)
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	r.audit(t, a, s.trig, "review", strconv.FormatInt(r.id, 10), "{"+strings.Join(parts, ",")+"}")
	for _, f := range append(renders, r.later...) {
		f()
	}
	r.later = r.later[:0]
	return nil
}

func paramOf(kv [][2]string, k string) string {
	for _, p := range kv {
		if p[0] == k {
			return p[1]
		}
	}
	return ""
}

func dueJSON(d *dayDeadline) string {
	return fmt.Sprintf(`"deadline":{"due_at":"%s","kind":"%s"}`, d.due.In(calendar.Location()).Format(time.RFC3339Nano), d.kind)
}

func dayName(rnd *rand.Rand) string {
	return string(daySurnames[rnd.Intn(len(daySurnames))]) + dayGiven[rnd.Intn(len(dayGiven))]
}

func (r *dayReview) flushSuspension() {
	sp := r.suspension
	if sp == nil {
		return
	}
	var ended any
	if sp.ended.Valid {
		ended = sp.ended.Time
	}
	var endedBy any
	if sp.endedBy != nil {
		endedBy = sp.endedBy
	}
	r.c.t("suspensions").add(r.id, sp.reason, sp.workdays, sp.started, ended, sp.by, endedBy)
	r.suspension = nil
}

// Deadlines, as package deadline keeps them.

func (r *dayReview) compute(d *dayDeadline, start time.Time, n int) {
	d.starts = start
	d.flagged = sql.NullInt64{}
	if n < 1 {
		d.due = calendar.DateOf(start).End()
	} else {
		due, missing, err := r.w.cal.Due(start, n)
		if err != nil {
			due = calendar.DateOf(start).AddDays(n * 7 / 5).End()
		}
		d.due = due
		if len(missing) > 0 {
			d.flagged = sql.NullInt64{Int64: int64(missing[0]), Valid: true}
		}
	}
	day := calendar.DateOf(d.due)
	prev := day.AddDays(-1)
	for i := 0; i < 370 && !r.w.cal.IsWorkday(prev); i++ {
		prev = prev.AddDays(-1)
	}
	d.r2, d.r1 = prev.Start(), day.Start()
}

func (r *dayReview) schedule(kind string, t time.Time, n int) *dayDeadline {
	r.cancel(t, kind)
	d := &dayDeadline{kind: kind, created: t, workdays: n, state: "pending"}
	r.compute(d, t, n)
	r.deadlines = append(r.deadlines, d)
	return d
}

// fireDue fires the intake and report deadlines that passed before t;
// the opinion deadline's passing is a step of its own (deem_agreed).
func (r *dayReview) fireDue(t time.Time) {
	for _, d := range r.deadlines {
		if d.state == "pending" && d.kind != "opinion" && d.due.Before(t) {
			r.fire(d, us(d.due.Add(time.Duration(20+r.rnd.Intn(70))*time.Second)))
		}
	}
}

func (r *dayReview) fire(d *dayDeadline, at time.Time) {
	d.state = "fired"
	d.fired = sql.NullTime{Time: at, Valid: true}
	d.ended = d.fired
	d.reminded2, d.reminded1 = !d.r2.After(at), !d.r1.After(at)
}

func (r *dayReview) cancel(t time.Time, kinds ...string) {
	for _, d := range r.deadlines {
		if (d.state != "pending" && d.state != "paused") || (len(kinds) > 0 && d.kind != kinds[0]) {
			continue
		}
		if d.state == "pending" {
			d.reminded2, d.reminded1 = !d.r2.After(t), !d.r1.After(t)
		}
		d.state = "cancelled"
		d.ended = sql.NullTime{Time: t, Valid: true}
	}
}

func (r *dayReview) pause(t time.Time) {
	for _, d := range r.deadlines {
		if d.state != "pending" {
			continue
		}
		left := 0
		if !t.After(d.due) {
			left = max(0, r.w.cal.WorkdaysBetween(calendar.DateOf(t), calendar.DateOf(d.due)))
		}
		d.reminded2, d.reminded1 = !d.r2.After(t), !d.r1.After(t)
		d.state = "paused"
		d.remaining = sql.NullInt64{Int64: int64(left), Valid: true}
	}
}

func (r *dayReview) resume(t time.Time) {
	for _, d := range r.deadlines {
		if d.state != "paused" {
			continue
		}
		d.state = "pending"
		d.reminded2, d.reminded1 = false, false
		r.compute(d, t, int(d.remaining.Int64))
	}
}

// finish fires what passed by now and writes the review's row, its
// deadlines and the rows kept until its path ended.
func (r *dayReview) finish(created, updated time.Time) {
	w := r.w
	r.fireDue(w.now)
	for _, d := range r.deadlines {
		var next any
		if d.state == "pending" {
			d.reminded2, d.reminded1 = !d.r2.After(w.now), !d.r1.After(w.now)
			switch {
			case !d.reminded2:
				next = d.r2
			case !d.reminded1:
				next = d.r1
			}
		}
		var remaining, flagged, fired, firedBy, ended any
		if d.remaining.Valid {
			remaining = d.remaining.Int64
		}
		if d.flagged.Valid {
			flagged = d.flagged.Int64
		}
		if d.fired.Valid {
			fired, firedBy = d.fired.Time, dayInstance
		}
		if d.ended.Valid {
			ended = d.ended.Time
		}
		r.c.t("deadlines").add(r.id, d.kind, d.starts, d.due, d.workdays, d.state, remaining, flagged, w.calVersion, d.reminded2, d.reminded1,
			d.r2, d.r1, next, fired, firedBy, ended, d.created)
	}
	r.flushSuspension()
	if r.fee != nil {
		r.c.t("fee_statements").add(r.fee...)
	}
	if dp := r.dispute; dp != nil {
		var resolved any
		if dp.resolved.Valid {
			resolved = dp.resolved.Time
		}
		r.c.t("disputes").add(r.id, dp.reasons, dp.experts, dp.fault, dp.revised, dp.opened, resolved)
	}
	var audited, firm, supervisor, delegated, submitted, concluded any
	if r.audited.Valid {
		audited = r.audited.Decimal.StringFixed(2)
	}
	if r.firmNow != 0 {
		firm = r.firmNow
	}
	if r.supervisor != 0 {
		supervisor = r.supervisor
	}
	if r.delegatedAt.Valid {
		delegated = r.delegatedAt.Time
	}
	if r.submittedAt.Valid {
		submitted = r.submittedAt.Time
	}
	if r.concludedAt.Valid {
		concluded = r.concludedAt.Time
	}
	r.c.t("reviews").add(r.id, r.p.id, r.kind, r.state, r.version, r.round, r.j.ID, r.unit.id, r.submitted.StringFixed(2), audited, firm, supervisor,
		r.suspended, r.appealUsed, r.outcome, r.feeSchedule, delegated, submitted, concluded, r.unit.user.id, created, updated, r.seq, r.prev)
}

// dayWorld sets the province up in the bench database, once (every
// statement keeps what is there), and loads it with what the reviews'
// histories are computed with: the installation's audit digest, the
// calendar, the fee schedule in force, ids and paper numbers taken.
func (h *harness) dayWorld(ctx context.Context) (*dayWorld, error) {
	st := store.New(h.db)
	suite, err := st.RecordedSuite(ctx)
	if errors.Is(err, store.ErrNotFound) {
		suite = cryptosuite.Intl
	} else if err != nil {
		return nil, err
	}
	st.SetSuite(suite)
	w := &dayWorld{now: us(time.Now()), suite: suite, paperNo: map[paperSeries]int{}, archiveNo: map[string]int{}}
	w.today = calendar.DateOf(w.now)
	// The calendar as the store builds it: the built-in holidays with the
	// database's days over them.
	var days []calendar.Day
	rows, err := h.db.QueryContext(ctx, "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind, name FROM calendar_days ORDER BY day")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var day, kind string
		var d calendar.Day
		if err := rows.Scan(&day, &kind, &d.Name); err != nil {
			rows.Close()
			return nil, err
		}
		if d.Date, err = calendar.ParseDate(day); err == nil {
			d.Kind, err = calendar.ParseDayKind(kind)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("calendar day %s: %w", day, err)
		}
		days = append(days, d)
	}
	rows.Close()
	w.cal = calendar.New(calendar.BuiltIn(), days)
	w.calVersion = w.cal.Version()
	// The fee schedule in force; seed-demo's conclusions made the example.
	inForce := func() error {
		var body string
		err := h.db.QueryRowContext(ctx, "SELECT id, body FROM fee_schedules WHERE effective_from <= ? ORDER BY effective_from DESC, version DESC LIMIT 1",
			w.now.Format(time.DateOnly)).Scan(&w.scheduleID, &body)
		if err == nil {
			w.schedule, err = fee.ParseSchedule([]byte(body))
		}
		return err
	}
	err = inForce()
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := billing.NewService(st, time.Now).EnsureExample(ctx); err != nil {
			return nil, fmt.Errorf("fee schedule: %w", err)
		}
		err = inForce()
	}
	if err != nil {
		return nil, fmt.Errorf("fee schedule in force: %w", err)
	}
	if err := h.dayProvince(ctx, w); err != nil {
		return nil, err
	}
	for _, q := range []struct {
		sql  string
		dest *int64
	}{
		{"SELECT COALESCE(MAX(id),0) FROM projects", &w.nextProject},
		{"SELECT COALESCE(MAX(id),0) FROM documents", &w.nextDoc},
		{"SELECT COALESCE(MAX(id),0) FROM papers", &w.nextPaper},
		{"SELECT COALESCE(MAX(id),0) FROM delegations", &w.nextDelegation},
	} {
		if err := h.db.QueryRowContext(ctx, q.sql).Scan(q.dest); err != nil {
			return nil, err
		}
	}
	rows, err = h.db.QueryContext(ctx, `SELECT jurisdiction_id, series, year, last_number FROM paper_counters
		UNION ALL SELECT jurisdiction_id, kind, year, MAX(number) FROM papers GROUP BY jurisdiction_id, kind, year`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k paperSeries
		var n int
		if err := rows.Scan(&k.j, &k.kind, &k.year, &n); err != nil {
			rows.Close()
			return nil, err
		}
		w.paperNo[k] = max(w.paperNo[k], n)
	}
	rows.Close()
	rows, err = h.db.QueryContext(ctx, "SELECT archive_number FROM archive_records")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return nil, err
		}
		if i := strings.LastIndexByte(a, '-'); i > 0 {
			if n, err := strconv.Atoi(a[i+1:]); err == nil {
				w.archiveNo[a[:i]] = max(w.archiveNo[a[:i]], n)
			}
		}
	}
	rows.Close()
	w.experts, err = h.ids(ctx, "SELECT id FROM experts WHERE active ORDER BY id LIMIT 6")
	return w, err
}

// dayProvince adds the province's cities, counties, offices, units,
// firms, contractors and their users to the demo city, and loads them.
func (h *harness) dayProvince(ctx context.Context, w *dayWorld) error {
	var hash string
	if err := h.db.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE username = 'jianshe'").Scan(&hash); err != nil {
		return fmt.Errorf("demo user jianshe (seed-demo first): %w", err)
	}
	now := w.now
	ins := func(table, cols string, rows [][]any) error {
		t := &dayTable{name: table, cols: cols, ncol: strings.Count(cols, ",") + 1}
		for _, r := range rows {
			t.add(r...)
		}
		if len(rows) == 0 {
			return nil
		}
		tx, err := h.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		t.ignore = true // what is there stays
		if err := t.exec(ctx, tx); err != nil {
			return err
		}
		return tx.Commit()
	}

	// Jurisdictions.
	var jrows [][]any
	order := 100
	for _, c := range dayCities {
		if c.name == demoCity {
			continue
		}
		jrows = append(jrows, []any{c.code, c.name + "本级", true, order})
		order++
		for i, n := range c.counties {
			jrows = append(jrows, []any{fmt.Sprintf("%s%02d", c.code[:4], i+2), n, false, order})
			order++
		}
	}
	if err := ins("jurisdictions", "code, name, is_city, sort_order", jrows); err != nil {
		return err
	}
	juris := map[string]store.Jurisdiction{}
	rows, err := h.db.QueryContext(ctx, "SELECT id, code, name, is_city FROM jurisdictions")
	if err != nil {
		return err
	}
	for rows.Next() {
		var j store.Jurisdiction
		if err := rows.Scan(&j.ID, &j.Code, &j.Name, &j.IsCity); err != nil {
			rows.Close()
			return err
		}
		juris[j.Name] = j
	}
	rows.Close()

	// The cities and their jurisdictions, with their weights.
	for ci, def := range dayCities {
		c := &dayCity{def: def, considered: map[int64]string{}, short: strings.TrimSuffix(strings.TrimSuffix(def.name, "市"), "盟")}
		type jn struct{ name, prefix string }
		var list []jn
		if def.name == demoCity {
			for _, j := range juris {
				if strings.HasPrefix(j.Code, "1508") {
					p := j.Name
					if j.IsCity {
						p = demoCity
					}
					list = append(list, jn{j.Name, p})
				}
			}
			sort.Slice(list, func(a, b int) bool { return juris[list[a].name].Code < juris[list[b].name].Code })
		} else {
			list = append(list, jn{def.name + "本级", def.name})
			for _, n := range def.counties {
				list = append(list, jn{n, n})
			}
		}
		for k, x := range list {
			j, ok := juris[x.name]
			if !ok {
				return fmt.Errorf("jurisdiction %s missing (seed-demo first)", x.name)
			}
			weight := 0.3
			if k > 0 {
				weight = 0.7 / float64(len(list)-1) * (1 + 0.4*math.Sin(float64(ci*7+k)))
			}
			c.juris = append(c.juris, &dayJuris{Jurisdiction: j, prefix: x.prefix, city: c, weight: weight})
		}
		w.cities = append(w.cities, c)
		prev := 0.0
		if len(w.cityCum) > 0 {
			prev = w.cityCum[len(w.cityCum)-1]
		}
		w.cityCum = append(w.cityCum, prev+def.weight)
	}

	// Organizations: units everywhere; finance sections, review centers,
	// firms and contractors of the cities other than the demo city.
	var orgs [][]any
	org := func(kind, name string, j int64) {
		orgs = append(orgs, []any{kind, name, j, dayName(rand.New(rand.NewSource(int64(len(name)*7919 + len(orgs))))),
			fmt.Sprintf("0471-%07d", (len(orgs)*7919)%10000000), now})
	}
	for ci, c := range w.cities {
		for _, j := range c.juris {
			for _, d := range dayDepts {
				org(store.OrgUnit, j.prefix+d.name, j.ID)
			}
			if c.def.name == demoCity {
				continue
			}
			word := "股"
			if j.IsCity {
				word = "科"
			}
			org(store.OrgFinanceSection, j.prefix+"财政局经济建设"+word, j.ID)
			org(store.OrgReviewCenter, j.prefix+"财政投资评审中心", j.ID)
		}
		if c.def.name == demoCity {
			continue
		}
		for k := 0; k < 5; k++ {
			org(store.OrgFirm, c.short+dayFirmWords[(ci+k)%len(dayFirmWords)]+"工程造价咨询有限公司", c.juris[0].ID)
		}
		for k := 0; k < 4; k++ {
			org(store.OrgContractor, c.short+dayBuilders[(ci+k)%len(dayBuilders)], c.juris[0].ID)
		}
	}
	if err := ins("organizations", "kind, name, jurisdiction_id, contact_person, contact_phone, created_at", orgs); err != nil {
		return err
	}
	type orgRow struct {
		id   int64
		kind string
		j    int64
	}
	byName := map[string]orgRow{}
	rows, err = h.db.QueryContext(ctx, "SELECT id, kind, name, jurisdiction_id FROM organizations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var o orgRow
		var name string
		if err := rows.Scan(&o.id, &o.kind, &name, &o.j); err != nil {
			rows.Close()
			return err
		}
		byName[name] = o
	}
	rows.Close()

	// Firms of the new cities: the firm library of their city.
	var firms, kinds, fjs [][]any
	firmJuris := map[int64]int64{}
	for ci, c := range w.cities {
		if c.def.name == demoCity {
			continue
		}
		for k := 0; k < 5; k++ {
			o := byName[c.short+dayFirmWords[(ci+k)%len(dayFirmWords)]+"工程造价咨询有限公司"]
			score := fmt.Sprintf("%d.%d0", 95-k*3-ci%3, (ci+k)%2*5)
			admitted := now.AddDate(-5, k, 0)
			firms = append(firms, []any{o.id, "工程造价咨询甲级", "active", "", admitted, 60, score, admitted})
			firmJuris[o.id] = o.j
			for _, kind := range fee.Kinds() {
				kinds = append(kinds, []any{o.id, string(kind)})
			}
			for _, j := range c.juris {
				fjs = append(fjs, []any{o.id, j.ID})
			}
		}
	}
	if err := ins("firms", "org_id, qualification, status, status_reason, status_since, capacity, score, admitted_at", firms); err != nil {
		return err
	}
	if err := ins("firm_kinds", "firm_id, kind", kinds); err != nil {
		return err
	}
	if err := ins("firm_jurisdictions", "firm_id, jurisdiction_id", fjs); err != nil {
		return err
	}

	// Users: one for every unit and firm, a finance officer and a review
	// center officer for every jurisdiction of the new cities, each seeing
	// its own jurisdiction. The demo city's staff are caizheng and pingshen.
	var users [][]any
	user := func(username, role string, orgID, j int64) {
		users = append(users, []any{username, dayName(rand.New(rand.NewSource(orgID*31 + int64(len(role))))), hash, role, orgID, j, false, true, true, now, now})
	}
	for _, c := range w.cities {
		for _, j := range c.juris {
			for _, d := range dayDepts {
				if o := byName[j.prefix+d.name]; o.kind == store.OrgUnit {
					user(fmt.Sprintf("bench_u%d", o.id), "construction_unit", o.id, j.ID)
				}
			}
			if c.def.name == demoCity {
				continue
			}
			word := "股"
			if j.IsCity {
				word = "科"
			}
			fs, rc := byName[j.prefix+"财政局经济建设"+word], byName[j.prefix+"财政投资评审中心"]
			user(fmt.Sprintf("bench_c%d", fs.id), "finance_section", fs.id, j.ID)
			user(fmt.Sprintf("bench_p%d", rc.id), "review_center", rc.id, j.ID)
		}
	}
	for _, f := range firms {
		id := f[0].(int64)
		user(fmt.Sprintf("bench_f%d", id), "intermediary", id, firmJuris[id])
	}
	if err := ins("users", "username, display_name, password_hash, role, org_id, jurisdiction_id, city_grant, active, demo, created_at, password_changed_at",
		users); err != nil {
		return err
	}
	type userRow struct {
		dayUser
		username string
	}
	first := map[[2]any]dayUser{} // (org, role) → its first user
	byUsername := map[string]dayUser{}
	rows, err = h.db.QueryContext(ctx, "SELECT id, username, display_name, role, COALESCE(org_id,0) FROM users WHERE active ORDER BY id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var u userRow
		if err := rows.Scan(&u.id, &u.username, &u.name, &u.role, &u.orgID); err != nil {
			rows.Close()
			return err
		}
		k := [2]any{u.orgID, u.role}
		if _, ok := first[k]; !ok {
			first[k] = u.dayUser
		}
		byUsername[u.username] = u.dayUser
	}
	rows.Close()
	caizheng, pingshen := byUsername["caizheng"], byUsername["pingshen"]
	if caizheng.id == 0 || pingshen.id == 0 {
		return fmt.Errorf("demo users caizheng and pingshen missing (seed-demo first)")
	}

	// Wire units, offices, firms and contractors to their jurisdictions.
	cityOf := map[int64]*dayCity{}
	for _, c := range w.cities {
		for _, j := range c.juris {
			cityOf[j.ID] = c
			for di, d := range dayDepts {
				o := byName[j.prefix+d.name]
				u, ok := first[[2]any{o.id, "construction_unit"}]
				if o.kind != store.OrgUnit || !ok {
					continue
				}
				jitter := 1 + 0.5*math.Sin(float64(o.id))
				j.units = append(j.units, &dayUnit{id: o.id, name: j.prefix + d.name, weight: d.weight * jitter, dept: di, user: u, j: j})
			}
			if len(j.units) == 0 {
				return fmt.Errorf("jurisdiction %s has no construction unit", j.Name)
			}
			if c.def.name == demoCity {
				j.finance, j.center, j.center0 = caizheng, pingshen, "巴彦淖尔市财政投资评审中心"
				continue
			}
			word := "股"
			if j.IsCity {
				word = "科"
			}
			j.finance = first[[2]any{byName[j.prefix+"财政局经济建设"+word].id, "finance_section"}]
			j.center = first[[2]any{byName[j.prefix+"财政投资评审中心"].id, "review_center"}]
			j.center0 = j.prefix + "财政投资评审中心"
		}
	}
	for _, c := range w.cities {
		for _, j := range c.juris {
			for _, u := range j.units {
				if u.name == "临河区民政局" {
					w.demoUnit = u
				}
			}
		}
	}
	if w.demoUnit == nil {
		return fmt.Errorf("demo unit 临河区民政局 missing (seed-demo first)")
	}
	// A firm belongs to the city of the first jurisdiction it is admitted to.
	rows, err = h.db.QueryContext(ctx, `SELECT f.org_id, o.name, f.score, MIN(fj.jurisdiction_id) FROM firms f
		JOIN organizations o ON o.id = f.org_id JOIN firm_jurisdictions fj ON fj.firm_id = f.org_id
		WHERE f.status = 'active' GROUP BY f.org_id, o.name, f.score ORDER BY f.score DESC, f.org_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var f dayFirm
		var score decimal.Decimal
		var j int64
		if err := rows.Scan(&f.id, &f.name, &score, &j); err != nil {
			rows.Close()
			return err
		}
		f.score = score.StringFixed(2)
		u, ok := first[[2]any{f.id, "intermediary"}]
		c := cityOf[j]
		if !ok || c == nil {
			continue
		}
		f.user = u
		c.firms = append(c.firms, &f)
	}
	rows.Close()
	for _, o := range byName {
		if o.kind == store.OrgContractor {
			if c := cityOf[o.j]; c != nil {
				c.contractors = append(c.contractors, o.id)
			}
		}
	}
	for _, c := range w.cities {
		sort.Slice(c.contractors, func(a, b int) bool { return c.contractors[a] < c.contractors[b] })
		for pos, f := range c.firms {
			c.considered[f.id] = considered(c.firms, pos)
		}
	}
	return nil
}

// considered is a delegation's list of the firms the rotation looked at,
// kept as the store keeps it: the chosen firm, then the others not
// reached.
func considered(fs []*dayFirm, chosen int) string {
	f := fs[chosen]
	cs := []assign.Consideration{{FirmID: f.id, Name: f.name, Score: decimal.RequireFromString(f.score), Position: chosen + 1,
		Detail: fmt.Sprintf("排名第 %d 位,得分 %s,符合条件", chosen+1, f.score)}}
	var others []assign.Consideration
	for i, o := range fs {
		if i == chosen {
			continue
		}
		others = append(others, assign.Consideration{FirmID: o.id, Name: o.name, Score: decimal.RequireFromString(o.score),
			Position: i + 1, Skipped: true, Reason: assign.SkipNotReached,
			Detail: fmt.Sprintf("排名第 %d 位,得分 %s,符合条件;按轮换顺序排在选定机构之后,本次未轮到", i+1, o.score)})
	}
	out, _ := store.EncodeConsidered(cs, others)
	return out
}
