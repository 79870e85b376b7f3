package inspect_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/sqlite"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

// The anonymity rules of DESIGN.md, each proven on both stores: a report is filed through the real Telegram
// client as a known user ID with a known username and name, then every column of every table (found in the
// schema catalog), the log and the notifications are searched.
//
// Where the identity may be found: the inspector registry (inspectors.user_id) and the bot's own registry of
// everyone who talks to it (bot_users: ID, username, name — issue 3's, not linked to anything here).

// catalog reads a store's schema and data for the searches.
type catalog interface {
	// tables lists every table of the store.
	tables(t testing.TB) []string
	// columns lists a table's columns with their declared types.
	columns(t testing.TB, table string) map[string]string
	// holding returns "table.column" for every column of every table holding needle, as text or bytes.
	holding(t testing.TB, needle []byte) []string
	// references lists "from_table→to_table" for every foreign key.
	references(t testing.TB) []string
	// strings returns every value of a column as text (NULLs skipped).
	strings(t testing.TB, table, column string) []string
	// blobs returns every value of a bytes column.
	blobs(t testing.TB, table, column string) [][]byte
	// rowOrder reports whether the table keeps a hidden order of insertion (SQLite rowid, a sequence).
	rowOrder(t testing.TB, table string) bool
}

// sqliteCatalog reads sqlite_master and pragma table_info.
type sqliteCatalog struct{ db *sqlite.DB }

func (c sqliteCatalog) query(t testing.TB, q string, args ...any) [][]any {
	t.Helper()
	rows, err := c.db.SQL().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c sqliteCatalog) tables(t testing.TB) []string {
	var out []string
	for _, r := range c.query(t, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`) {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out
}

func (c sqliteCatalog) columns(t testing.TB, table string) map[string]string {
	out := map[string]string{}
	for _, r := range c.query(t, `SELECT name, type FROM pragma_table_info(?)`, table) {
		out[fmt.Sprint(r[0])] = strings.ToLower(fmt.Sprint(r[1]))
	}
	return out
}

func (c sqliteCatalog) holding(t testing.TB, needle []byte) []string {
	var out []string
	for _, tb := range c.tables(t) {
		for col := range c.columns(t, tb) {
			n := c.query(t, fmt.Sprintf(`SELECT count(*) FROM %q WHERE instr(CAST(%q AS BLOB), ?) > 0`, tb, col), needle)
			if n[0][0].(int64) > 0 {
				out = append(out, tb+"."+col)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (c sqliteCatalog) references(t testing.TB) []string {
	var out []string
	for _, tb := range c.tables(t) {
		for _, r := range c.query(t, `SELECT "table" FROM pragma_foreign_key_list(?)`, tb) {
			out = append(out, tb+"→"+fmt.Sprint(r[0]))
		}
	}
	return out
}

func (c sqliteCatalog) strings(t testing.TB, table, column string) []string {
	var out []string
	for _, r := range c.query(t, fmt.Sprintf(`SELECT CAST(%q AS TEXT) FROM %q WHERE %q IS NOT NULL`, column, table, column)) {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out
}

func (c sqliteCatalog) blobs(t testing.TB, table, column string) [][]byte {
	var out [][]byte
	for _, r := range c.query(t, fmt.Sprintf(`SELECT %q FROM %q`, column, table)) {
		out = append(out, r[0].([]byte))
	}
	return out
}

func (c sqliteCatalog) rowOrder(t testing.TB, table string) bool {
	r := c.query(t, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table)
	return !strings.Contains(strings.ToUpper(fmt.Sprint(r[0][0])), "WITHOUT ROWID")
}

// pgCatalog reads information_schema of the test's schema.
type pgCatalog struct{ db *postgres.DB }

func (c pgCatalog) query(t testing.TB, q string, args ...any) [][]any {
	t.Helper()
	rows, err := c.db.Pool().Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c pgCatalog) tables(t testing.TB) []string {
	var out []string
	for _, r := range c.query(t, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`) {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out
}

func (c pgCatalog) columns(t testing.TB, table string) map[string]string {
	out := map[string]string{}
	for _, r := range c.query(t, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table) {
		out[fmt.Sprint(r[0])] = fmt.Sprint(r[1])
	}
	return out
}

func (c pgCatalog) holding(t testing.TB, needle []byte) []string {
	var out []string
	for _, tb := range c.tables(t) {
		for col, typ := range c.columns(t, tb) {
			q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE strpos(%q::text, $1) > 0`, tb, col)
			arg := any(string(needle))
			switch typ {
			case "bytea":
				q, arg = fmt.Sprintf(`SELECT count(*) FROM %q WHERE position($1::bytea in %q) > 0`, tb, col), needle
			case "USER-DEFINED": // vectors
				continue
			}
			if !strings.ContainsFunc(string(needle), func(r rune) bool { return r == 0 }) || typ == "bytea" {
				n := c.query(t, q, arg)
				if n[0][0].(int64) > 0 {
					out = append(out, tb+"."+col)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func (c pgCatalog) references(t testing.TB) []string {
	var out []string
	for _, r := range c.query(t, `SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()`) {
		out = append(out, fmt.Sprint(r[0])+"→"+fmt.Sprint(r[1]))
	}
	return out
}

func (c pgCatalog) strings(t testing.TB, table, column string) []string {
	var out []string
	for _, r := range c.query(t, fmt.Sprintf(`SELECT %q::text FROM %q WHERE %q IS NOT NULL`, column, table, column)) {
		out = append(out, fmt.Sprint(r[0]))
	}
	return out
}

func (c pgCatalog) blobs(t testing.TB, table, column string) [][]byte {
	var out [][]byte
	for _, r := range c.query(t, fmt.Sprintf(`SELECT %q FROM %q`, column, table)) {
		out = append(out, r[0].([]byte))
	}
	return out
}

func (c pgCatalog) rowOrder(t testing.TB, table string) bool {
	r := c.query(t, `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
		AND (is_identity = 'YES' OR column_default LIKE 'nextval%')`, table)
	return r[0][0].(int64) > 0
}

// reportTables are the tables of filed reports: none may name or order the inspector.
func reportTables(all []string) []string {
	var out []string
	for _, t := range all {
		if t == "reports" || strings.HasPrefix(t, "report_") {
			out = append(out, t)
		}
	}
	return out
}

// anonScenario is what a test run filed and saw.
type anonScenario struct {
	store     fullStore
	cat       catalog
	h         *tgBot
	receipts  []string
	reportIDs []string
	draftIDs  []string
	midForm   map[string][]string // where the inspector's chat ID and its pseudonym were while the form was open
	midPhotos []string            // draft photos' rows while the form was open: their draft IDs
	identity  map[string][]byte   // needles naming the inspector
	notes     []string            // the notifications sent
}

// runAnonScenario files two reports as tgInsp (one with a GPS-tagged photo and a supplement), lets tgInsp2 open
// a draft with a photo and cancel it, and notifies the supervisors' group.
func runAnonScenario(t *testing.T, store fullStore, cat catalog) *anonScenario {
	ctx := context.Background()
	h := startTG(t, store, tgSetup{opts: []envOption{func(o *inspect.Options) { o.NotifyChat = tgReports.ID }}})
	s := &anonScenario{store: store, cat: cat, h: h, midForm: map[string][]string{}}
	id := tgInsp.ID
	s.identity = map[string][]byte{
		"user ID":            []byte(strconv.FormatInt(id, 10)),
		"user ID in base 36": []byte(bot.ID(id)),
		"user ID in hex":     []byte(strconv.FormatInt(id, 16)),
		"username":           []byte(tgInsp.Username),
		"name":               []byte(tgInsp.FirstName),
	}
	h.seedWindows()
	// A wrong code first: the lock-out counts the chat, then forgets it on success.
	expect(t, h.Say(tgInsp, "/join ZZZZZ-ZZZZZ").Text, "邀请码不正确")
	h.join(tgInsp)
	h.join(tgInsp2)
	// An inspector's questions are answered but not logged, and their activity does not refresh when they
	// were last seen: either would record when they were active.
	seen, err := store.GetUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Hour)
	expect(t, h.Say(tgInsp, "窗口可以吃东西吗").Text, "1.3.3")
	if again, err := store.GetUser(ctx, id); err != nil || !again.LastSeen.Equal(seen.LastSeen) {
		t.Errorf("the inspector's last-seen time moved from %v to %v (%v)", seen.LastSeen, again.LastSeen, err)
	}

	// Mid-form: the draft is keyed by the chat's pseudonym, its photo by the draft.
	h.Say(tgInsp, "/report")
	h.Press(tgInsp, "3号窗口")
	h.Press(tgInsp, "昨天")
	h.Press(tgInsp, "是这一天") // 11月1日 is a Sunday
	h.Press(tgInsp, "下午")
	h.answerItems(tgInsp, gpsJPEG(t, 320, 240, 1))
	s.midForm["user ID"] = cat.holding(t, s.identity["user ID"])
	s.midForm["pseudonym"] = cat.holding(t, []byte(strconv.FormatInt(stateChat(id), 10)))
	s.midPhotos = cat.strings(t, "report_photos", "draft_id")
	st, err := store.GetState(ctx, stateChat(id), inspect.KindDraft)
	if err != nil {
		t.Fatalf("no draft in the middle of the form: %v", err)
	}
	var d struct{ ID string }
	openState(t, id, st, &d)
	s.draftIDs = append(s.draftIDs, d.ID)
	h.Say(tgInsp, "窗口人员一直在看手机，没抬头。")
	for i := 1; i < 6; i++ {
		m := h.Last(tgInsp.ID)
		if b, ok := m.Button(fmt.Sprintf("✅ 采纳 %d", i)); ok {
			h.PressData(tgInsp, m.ID, b.CallbackData)
		}
	}
	h.Press(tgInsp, "完成")
	h.Press(tgInsp, "提交")
	s.receipts = append(s.receipts, codePattern.FindString(h.Last(tgInsp.ID).Text))
	h.Say(tgInsp, "/status "+s.receipts[0])
	h.Press(tgInsp, "补充情况")
	expect(t, h.Say(tgInsp, "离开时看到他又在玩手机。").Text, "已补充")

	s.receipts = append(s.receipts, h.fileReport(tgInsp, nil))

	// Another inspector opens a draft with a photo and cancels it.
	h.Say(tgInsp2, "/report")
	h.Press(tgInsp2, "4号窗口")
	h.Press(tgInsp2, "今天")
	h.Press(tgInsp2, "上午")
	h.Press(tgInsp2, "不符合")
	h.Push(h.api.Photo(testkit.Private(tgInsp2), tgInsp2, "", gpsJPEG(t, 64, 48, 1)))
	st2, err := store.GetState(ctx, stateChat(tgInsp2.ID), inspect.KindDraft)
	if err != nil {
		t.Fatal(err)
	}
	openState(t, tgInsp2.ID, st2, &d)
	s.draftIDs = append(s.draftIDs, d.ID)
	expect(t, h.Say(tgInsp2, "/cancel").Text, "已取消")

	reps, err := store.Reports(ctx, inspect.ReportFilter{})
	if err != nil || len(reps) != 2 {
		t.Fatalf("reports: %d %v", len(reps), err)
	}
	for _, r := range reps {
		s.reportIDs = append(s.reportIDs, r.ID)
	}
	if n, err := h.svc.Notifier().Flush(ctx, h.Bot.Client()); err != nil || n != 2 {
		t.Fatalf("flush: %d %v", n, err)
	}
	for _, c := range h.api.Calls("sendMessage") {
		if c.ChatID() == tgReports.ID {
			s.notes = append(s.notes, c.Text())
		}
	}
	h.Stop()
	return s
}

func TestAnonymity(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		db := openSQLite(t, filepath.Join(t.TempDir(), "conductbot.db"))
		checkAnonymity(t, runAnonScenario(t, db, sqliteCatalog{db}))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := openPostgres(t)
		checkAnonymity(t, runAnonScenario(t, db, pgCatalog{db}))
	})
}

var timeOfDay = regexp.MustCompile(`\b\d{1,2}:\d{2}\b`)

func checkAnonymity(t *testing.T, s *anonScenario) {
	ctx := context.Background()
	cat := s.cat
	all := cat.tables(t)
	repTables := reportTables(all)
	if len(repTables) < 6 {
		t.Fatalf("report tables: %v", repTables)
	}

	t.Run("IdentityOnlyInTheRegistries", func(t *testing.T) {
		allowed := map[string][]string{
			"user ID":            {"bot_users.id", "inspectors.user_id"},
			"user ID in base 36": nil,
			"user ID in hex":     nil,
			"username":           {"bot_users.username"},
			"name":               {"bot_users.name"},
		}
		for what, needle := range s.identity {
			got := cat.holding(t, needle)
			if !slices.Equal(got, allowed[what]) {
				t.Errorf("the inspector's %s (%s) is in %v; allowed only in %v", what, needle, got, allowed[what])
			}
		}
	})

	t.Run("RegistryNotReferencedByReports", func(t *testing.T) {
		for _, ref := range cat.references(t) {
			from, to, _ := strings.Cut(ref, "→")
			if to == "inspectors" || to == "bot_users" && from != "bot_user_roles" {
				t.Errorf("foreign key %s", ref)
			}
		}
		for _, tb := range repTables {
			for col := range cat.columns(t, tb) {
				for _, word := range strings.Split(col, "_") {
					if slices.Contains([]string{"user", "chat", "inspector", "username", "author", "by", "telegram"}, word) {
						t.Errorf("report table %s has a column %s", tb, col)
					}
				}
			}
		}
	})

	t.Run("RandomReportIDs", func(t *testing.T) {
		for _, tb := range repTables {
			if cat.rowOrder(t, tb) {
				t.Errorf("report table %s keeps an order of insertion (rowid or sequence)", tb)
			}
		}
		// Fifty more reports: their IDs are random, not in the order of filing.
		f := storetest.NewReportFixture(t, s.store, 3)
		var ids []string
		for i := 0; i < 50; i++ {
			r := f.NewReport(i, workday.MustDate("2026-11-02"), inspect.Morning)
			if err := s.store.FileReport(ctx, r, inspect.NewDraftID()); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		ids = append(ids, s.reportIDs...)
		seen := map[string]bool{}
		up := 0
		idPattern := regexp.MustCompile(`^[a-z2-7]{16}$`)
		for i, id := range ids {
			if !idPattern.MatchString(id) || seen[id] {
				t.Errorf("report ID %q", id)
			}
			seen[id] = true
			if i > 0 && id > ids[i-1] {
				up++
			}
		}
		if up < 10 || up > 40 { // random IDs rise about half the time
			t.Errorf("report IDs rise %d times in 50: not random", up)
		}
	})

	t.Run("OnlyDaysAndHalfDays", func(t *testing.T) {
		for _, tb := range repTables {
			for col, typ := range cat.columns(t, tb) {
				// A draft photo's expiry (to the hour) is cleared when the report is filed; see below.
				if strings.Contains(typ, "time") && col != "draft_expires" {
					t.Errorf("%s.%s is of type %s", tb, col, typ)
				}
				if tb == "report_photos" && col == "data" {
					continue
				}
				for _, v := range cat.strings(t, tb, col) {
					if timeOfDay.MatchString(v) && col != "draft_expires" {
						t.Errorf("%s.%s holds a time of day: %q", tb, col, v)
					}
				}
			}
		}
		if left := cat.strings(t, "report_photos", "draft_expires"); len(left) > 0 {
			t.Errorf("filed photos keep a draft's expiry: %v", left)
		}
		visits := cat.strings(t, "reports", "visit_date")
		filed := cat.strings(t, "reports", "filed")
		halves := cat.strings(t, "reports", "half_day")
		slices.Sort(visits)
		if !slices.Contains(visits, "2026-11-01") || !slices.Contains(halves, "pm") {
			t.Errorf("visits %v halves %v", visits, halves)
		}
		for _, f := range filed {
			if f != "2026-11-02" && f != "2026-11-03" {
				t.Errorf("filed %q", f)
			}
		}
	})

	t.Run("ReceiptOnlyHashed", func(t *testing.T) {
		for _, rc := range s.receipts {
			for _, form := range []string{rc, inspect.NormalizeCode(rc), strings.ToLower(rc)} {
				if got := cat.holding(t, []byte(form)); len(got) > 0 {
					t.Errorf("the receipt %s is stored in %v", form, got)
				}
			}
			if got := cat.holding(t, []byte(inspect.ReceiptHash(rc))); !slices.Equal(got, []string{"reports.receipt_hash"}) {
				t.Errorf("the receipt's hash is in %v", got)
			}
		}
	})

	t.Run("PhotosWithoutEXIF", func(t *testing.T) {
		photos := cat.blobs(t, "report_photos", "data")
		if len(photos) != 1 {
			t.Fatalf("%d photos stored, want 1 (the cancelled draft's is gone)", len(photos))
		}
		for _, p := range photos {
			assertNoMetadata(t, p)
		}
		for _, m := range exifMarks {
			if got := cat.holding(t, m); len(got) > 0 {
				t.Errorf("EXIF data %q in %v", m, got)
			}
		}
	})

	t.Run("LogsWithoutIdentity", func(t *testing.T) {
		log := s.h.log.String()
		if !strings.Contains(log, "inspect: report filed") {
			t.Fatalf("the log does not show the filing at all:\n%s", log)
		}
		for what, needle := range s.identity {
			if bytes.Contains([]byte(log), needle) {
				t.Errorf("the log holds the inspector's %s", what)
			}
		}
		for _, x := range append(append(append([]string{}, s.receipts...), s.reportIDs...), s.draftIDs...) {
			if strings.Contains(log, x) || strings.Contains(log, inspect.NormalizeCode(x)) {
				t.Errorf("the log holds %q (a receipt, report or draft ID)", x)
			}
		}
	})

	t.Run("DraftKeyedByPseudonymThenGone", func(t *testing.T) {
		if slices.Contains(s.midForm["user ID"], "bot_states.chat_id") {
			t.Errorf("mid-form, the chat ID was in %v: the draft is keyed by the chat itself", s.midForm["user ID"])
		}
		if !slices.Contains(s.midForm["pseudonym"], "bot_states.chat_id") {
			t.Errorf("mid-form, the chat's pseudonym was in %v: the draft is not keyed by it", s.midForm["pseudonym"])
		}
		if len(s.midPhotos) != 1 || s.midPhotos[0] != s.draftIDs[0] {
			t.Errorf("mid-form, the draft photos were keyed by %v, want the draft ID %s", s.midPhotos, s.draftIDs[0])
		}
		for _, chat := range []int64{tgInsp.ID, tgInsp2.ID} {
			for _, kind := range []string{inspect.KindDraft, inspect.KindSupplement} {
				if _, err := s.store.GetState(ctx, stateChat(chat), kind); err == nil {
					t.Errorf("chat state %s is left after the form ended", kind)
				}
			}
		}
		for _, id := range s.draftIDs {
			if got := cat.holding(t, []byte(id)); len(got) > 0 {
				t.Errorf("the draft ID %s is left in %v", id, got)
			}
		}
		if left := cat.strings(t, "report_photos", "draft_id"); len(left) > 0 {
			t.Errorf("draft photos left: %v", left)
		}
	})

	t.Run("NotificationsWithoutIdentity", func(t *testing.T) {
		if len(s.notes) != 2 {
			t.Fatalf("%d notifications", len(s.notes))
		}
		for _, n := range s.notes {
			for what, needle := range s.identity {
				if strings.Contains(n, string(needle)) {
					t.Errorf("a notification holds the inspector's %s", what)
				}
			}
			if strings.Contains(n, "暗访员") || timeOfDay.MatchString(n) {
				t.Errorf("a notification holds a label or a time of day:\n%s", n)
			}
		}
	})

	// The outbox's claims name an instance, never a user, and keep no time with a report: the instance's lease
	// (the one time they bring) is gone once the notifications went out.
	t.Run("NoClaimLeftAfterNotifying", func(t *testing.T) {
		if left := cat.strings(t, "notifier_leases", "owner"); len(left) > 0 {
			t.Errorf("leases left after the flush: %v", left)
		}
		for _, owner := range cat.strings(t, "report_outbox", "lease_owner") {
			if owner != "" {
				t.Errorf("a claim left in the outbox: %q", owner)
			}
		}
	})
}
