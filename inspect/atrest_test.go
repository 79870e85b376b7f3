package inspect_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
)

// Issue 12: a copy of the data dir taken while the bot runs (as a backup does), or of the PostgreSQL database,
// must not hold the inspector's chat ID together with the report's content, ID, receipt or photos — in any
// state the copy can be replayed to.

// The secrets a copy must not hold next to the inspector's chat ID, gathered as the test runs.
type atRestSecrets struct {
	chatID int64
	texts  map[string][]byte // what → bytes
}

func (s *atRestSecrets) add(what string, b []byte) {
	if len(b) > 0 {
		s.texts[what] = b
	}
}

// chatNeedles are the forms of the chat ID a copy may hold it in: its decimal digits, and the big-endian
// 6-byte integer of a SQLite record (the ID needs 34 bits: serial type 5) and PostgreSQL's little-endian int8.
func (s *atRestSecrets) chatNeedles() [][]byte {
	be := make([]byte, 8)
	binary.BigEndian.PutUint64(be, uint64(s.chatID))
	le := make([]byte, 8)
	binary.LittleEndian.PutUint64(le, uint64(s.chatID))
	return [][]byte{[]byte(strconv.FormatInt(s.chatID, 10)), be[2:], le}
}

// which returns the secrets b holds.
func (s *atRestSecrets) which(b []byte) []string {
	var out []string
	for what, x := range s.texts {
		if bytes.Contains(b, x) {
			out = append(out, what)
		}
	}
	return out
}

func (s *atRestSecrets) holdsChat(b []byte) bool {
	for _, n := range s.chatNeedles() {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// snapshot is a byte-for-byte copy of the data dir's files.
type snapshot struct {
	step  string
	files map[string][]byte // base name → content
}

func copyDir(t *testing.T, dir, step string) snapshot {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{step: step, files: map[string][]byte{}}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s.files[e.Name()] = b
	}
	return s
}

// walStates replays a copy as SQLite would, and as an attacker can frame by frame: the main file alone, then
// the main file with the log's frames applied up to each commit. It returns each state as a database image in
// rollback-journal mode (openable without the log).
func walStates(t *testing.T, main, wal []byte) [][]byte {
	t.Helper()
	image := func(b []byte) []byte {
		c := bytes.Clone(b)
		if len(c) >= 20 {
			c[18], c[19] = 1, 1 // legacy file format: the copy opens without a write-ahead log
		}
		return c
	}
	var states [][]byte
	if len(main) > 0 {
		states = append(states, image(main))
	}
	if len(wal) < 32 {
		return states
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12]))
	if pageSize == 1 {
		pageSize = 65536
	}
	salt1, salt2 := binary.BigEndian.Uint32(wal[16:20]), binary.BigEndian.Uint32(wal[20:24])
	db := bytes.Clone(main)
	for off := 32; off+24+pageSize <= len(wal); off += 24 + pageSize {
		h := wal[off : off+24]
		if binary.BigEndian.Uint32(h[8:12]) != salt1 || binary.BigEndian.Uint32(h[12:16]) != salt2 {
			break // a frame of an earlier generation of the log: not replayed
		}
		pgno := int(binary.BigEndian.Uint32(h[0:4]))
		at := (pgno - 1) * pageSize
		if need := at + pageSize; len(db) < need {
			db = append(db, make([]byte, need-len(db))...)
		}
		copy(db[at:], wal[off+24:off+24+pageSize])
		if size := int(binary.BigEndian.Uint32(h[4:8])); size > 0 { // a commit
			st := image(db[:min(len(db), size*pageSize)])
			states = append(states, st)
		}
	}
	return states
}

// rowsHolding opens a database image and returns, for every row of every table that holds the chat ID (as an
// integer column or in its text or bytes), the secrets the same row holds.
func rowsHolding(t *testing.T, img []byte, sec *atRestSecrets) []string {
	t.Helper()
	var found []string
	for row, chat := range stateRows(t, img, sec) {
		if !chat {
			continue
		}
		if w := sec.which([]byte(row)); len(w) > 0 {
			table, _, _ := strings.Cut(row, ":")
			found = append(found, fmt.Sprintf("%s row holds the chat ID with %v", table, w))
		}
	}
	return found
}

// stateRows opens a database image and returns each row of each table, written out ("table: values"), with
// whether it holds the chat ID (as an integer column or in its text).
func stateRows(t *testing.T, img []byte, sec *atRestSecrets) map[string]bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatalf("replayed state does not open: %v", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]bool{}
	for _, tb := range tables {
		rows, err := db.Query(fmt.Sprintf(`SELECT * FROM %q`, tb))
		if err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := []byte(tb + ":")
			chat := false
			for _, v := range vals {
				switch x := v.(type) {
				case int64:
					chat = chat || x == sec.chatID
					row = strconv.AppendInt(row, x, 10)
				case string:
					row = append(row, x...)
				case []byte:
					row = append(row, x...)
				case nil:
					row = append(row, "NULL"...)
				default:
					row = fmt.Append(row, x)
				}
				row = append(row, 0)
			}
			out[string(row)] = chat || bytes.Contains(row, []byte(strconv.FormatInt(sec.chatID, 10)))
		}
		rows.Close()
	}
	return out
}

// commitLinks compares two consecutive replayed states: when the commit between them wrote the report (a row
// holding its ID appeared), no row it wrote or deleted, in any table, may hold the inspector's chat ID — the
// commit itself would tie the chat to the report. It reports whether the commit wrote the report.
func commitLinks(before, after map[string]bool, reportID string) (filed bool, links []string) {
	var changed []string
	for r := range after {
		if _, ok := before[r]; !ok {
			changed = append(changed, r)
			filed = filed || (strings.HasPrefix(r, "reports:") && strings.Contains(r, reportID))
		}
	}
	for r := range before {
		if _, ok := after[r]; !ok {
			changed = append(changed, r)
		}
	}
	if !filed {
		return false, nil
	}
	for _, r := range changed {
		if after[r] || before[r] {
			table, _, _ := strings.Cut(r, ":")
			links = append(links, table)
		}
	}
	return true, links
}

// pagesHolding returns the pages (of a database file, or frames of a log) that hold the chat ID in any of its
// forms together with a secret.
func pagesHolding(b []byte, pageSize int, sec *atRestSecrets) []string {
	var found []string
	for off := 0; off < len(b); off += pageSize {
		p := b[off:min(len(b), off+pageSize)]
		if sec.holdsChat(p) {
			if w := sec.which(p); len(w) > 0 {
				found = append(found, fmt.Sprintf("bytes %d–%d hold the chat ID with %v", off, off+len(p), w))
			}
		}
	}
	return found
}

// TestNoLinkAtRestSQLite files a report with notes, a description and a photo on a SQLite data dir, copying the
// dir's files after every update (and once while a reader keeps the log from being checkpointed, the worst
// case of a copy taken between the filing's commit and its checkpoint). Every copy is replayed to every state
// its log can give, and no row of any table, in any state, may hold the inspector's chat ID with the report's
// text, ID, receipt, draft ID or photo; no page or log frame either.
func TestNoLinkAtRestSQLite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "conductbot.db")
	store := openSQLite(t, path)
	if err := testkit.ImportShipped(ctx, store); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, store, nil)
	e.seedWindows()
	e.join(inspUser)

	// Once the review (with 提交) is shown, a reader holds a snapshot, so the checkpoint after filing cannot
	// truncate the log and the copy taken after filing keeps every frame the filing wrote.
	reader, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var holding *sql.Tx
	var snaps []snapshot
	step := 0
	var draftID string
	e.afterUpdate = func() {
		step++
		snaps = append(snaps, copyDir(t, dir, fmt.Sprintf("after update %d", step)))
		if draftID == "" {
			if st, err := store.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft); err == nil {
				var d struct{ ID string }
				openState(t, inspUser.ID, st, &d)
				draftID = d.ID
			}
		}
		if _, ok := e.last(inspUser.ID).button("提交"); ok && holding == nil {
			tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err == nil {
				var n int
				err = tx.QueryRowContext(ctx, `SELECT count(*) FROM bot_states`).Scan(&n)
			}
			if err != nil {
				t.Fatal(err)
			}
			holding = tx
		}
	}
	receipt := e.fileReport(inspUser, gpsJPEG(t, 320, 240, 1))
	if holding == nil {
		t.Fatal("the reader did not start before the filing")
	}
	snaps = append(snaps, copyDir(t, dir, "after filing, the log held by a reader"))
	_ = holding.Rollback()

	reps, err := store.Reports(ctx, inspect.ReportFilter{WithItems: true})
	if err != nil || len(reps) != 1 {
		t.Fatalf("reports: %d %v", len(reps), err)
	}
	rep := reps[0]
	sec := &atRestSecrets{chatID: inspUser.ID, texts: map[string][]byte{}}
	sec.add("note", []byte("工作人员一直低头玩手机"))
	sec.add("description", []byte("窗口人员一直在看手机"))
	sec.add("report ID", []byte(rep.ID))
	sec.add("receipt", []byte(receipt))
	sec.add("receipt normalized", []byte(inspect.NormalizeCode(receipt)))
	sec.add("receipt hash", []byte(inspect.ReceiptHash(receipt)))
	if draftID == "" {
		t.Fatal("no draft ID seen")
	}
	sec.add("draft ID", []byte(draftID))
	var photoID string
	for _, f := range rep.Findings {
		for _, p := range f.Photos {
			photoID = p.ID
		}
	}
	if photoID == "" {
		t.Fatal("the report has no photo")
	}
	ph, err := store.Photo(ctx, photoID)
	if err != nil {
		t.Fatal(err)
	}
	sec.add("photo ID", []byte(photoID))
	sec.add("photo", ph.Data[len(ph.Data)/2:len(ph.Data)/2+32])

	// The test must be able to see a link: mid-form, the draft's notes were there, next to the chat ID in
	// the bot's state, unless sealed.
	if snaps[len(snaps)-1].files["conductbot.db-wal"] == nil {
		t.Fatal("no write-ahead log in the copy held open by a reader")
	}

	seen := map[[32]byte]bool{}
	states := 0
	for _, s := range snaps {
		for name, b := range s.files {
			if strings.HasSuffix(name, "-shm") {
				continue // the log's index: page numbers and hashes
			}
			for _, f := range pagesHolding(b, 4096, sec) {
				t.Errorf("%s, file %s: %s", s.step, name, f)
			}
		}
		for _, img := range walStates(t, s.files["conductbot.db"], s.files["conductbot.db-wal"]) {
			k := sha256.Sum256(img)
			if seen[k] {
				continue
			}
			seen[k] = true
			states++
			for _, f := range rowsHolding(t, img, sec) {
				t.Errorf("%s, replayed state %d: %s", s.step, states, f)
			}
		}
	}
	// Nor may the commit that wrote the report touch a row naming the chat: a copy taken between that commit
	// and its checkpoint shows which chat's rows changed as the report appeared.
	filings := 0
	for _, s := range snaps {
		imgs := walStates(t, s.files["conductbot.db"], s.files["conductbot.db-wal"])
		for i := 1; i < len(imgs); i++ {
			filed, links := commitLinks(stateRows(t, imgs[i-1], sec), stateRows(t, imgs[i], sec), rep.ID)
			if filed {
				filings++
			}
			for _, tb := range links {
				t.Errorf("%s: the commit that wrote the report also wrote a %s row naming the inspector's chat", s.step, tb)
			}
		}
	}
	if filings == 0 {
		t.Error("no copy holds the filing's commit in its log: the commit check saw nothing")
	}
	t.Logf("%d copies of the data dir, %d distinct replayed states", len(snaps), states)
	if states < len(snaps) {
		t.Errorf("only %d distinct states replayed from %d copies", states, len(snaps))
	}
	// The filing's own commit was among them: some state holds the report and none holds its draft.
	last := walStates(t, snaps[len(snaps)-1].files["conductbot.db"], snaps[len(snaps)-1].files["conductbot.db-wal"])
	if len(last) < 2 {
		t.Fatalf("the held log replays to %d states", len(last))
	}
	// After the reader let go, the next filing's checkpoint (or the hourly sweep) truncates the log.
	if _, err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("the write-ahead log keeps %d bytes after the sweep's checkpoint", fi.Size())
	}
}

// TestNoLinkAtRestPostgres files the same report on PostgreSQL and reads every page of every relation of the
// store's schema (tables, their TOAST tables, indexes) raw, with pageinspect, before any vacuum: the dead
// tuples of the draft's states are there, and no page may hold the inspector's chat ID with the report's text,
// ID, receipt, draft ID or photo.
func TestNoLinkAtRestPostgres(t *testing.T) {
	ctx := context.Background()
	store := openPostgres(t)
	pool := store.Pool()
	if _, err := pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public`); err != nil &&
		!strings.Contains(err.Error(), "already exists") {
		t.Skipf("pageinspect is not available: %v", err)
	}
	if err := testkit.ImportShipped(ctx, store); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, store, nil)
	e.seedWindows()
	e.join(inspUser)
	var draftID string
	e.afterUpdate = func() {
		if draftID == "" {
			if st, err := store.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft); err == nil {
				var d struct{ ID string }
				openState(t, inspUser.ID, st, &d)
				draftID = d.ID
			}
		}
	}
	receipt := e.fileReport(inspUser, gpsJPEG(t, 320, 240, 1))
	reps, err := store.Reports(ctx, inspect.ReportFilter{WithItems: true})
	if err != nil || len(reps) != 1 || draftID == "" {
		t.Fatalf("reports: %d %v; draft %q", len(reps), err, draftID)
	}
	sec := &atRestSecrets{chatID: inspUser.ID, texts: map[string][]byte{}}
	sec.add("note", []byte("工作人员一直低头玩手机"))
	sec.add("description", []byte("窗口人员一直在看手机"))
	sec.add("report ID", []byte(reps[0].ID))
	sec.add("receipt", []byte(receipt))
	sec.add("receipt normalized", []byte(inspect.NormalizeCode(receipt)))
	sec.add("draft ID", []byte(draftID))

	rows, err := pool.Query(ctx, `SELECT c.oid::regclass::text, pg_relation_size(c.oid) / current_setting('block_size')::int
		FROM pg_class c WHERE c.relkind IN ('r', 't', 'i') AND (c.relnamespace = current_schema()::regnamespace
		OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relnamespace = current_schema()::regnamespace))`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct {
		name  string
		pages int64
	}
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.name, &r.pages); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	rows.Close()
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	pages, chatPages := 0, 0
	for _, r := range rels {
		for blk := int64(0); blk < r.pages; blk++ {
			var p []byte
			if err := pool.QueryRow(ctx, `SELECT get_raw_page($1, $2::int)`, r.name, blk).Scan(&p); err != nil {
				t.Fatalf("%s page %d: %v", r.name, blk, err)
			}
			pages++
			if sec.holdsChat(p) {
				chatPages++
			}
			for _, f := range pagesHolding(p, len(p), sec) {
				t.Errorf("%s page %d: %s", r.name, blk, f)
			}
		}
	}
	// Every tuple, live or dead, stamped with the filing's transaction ID (xmin: written by it, xmax: deleted by
	// it) is read too: none may hold the chat ID, or the stamps alone tie the chat to the report.
	var filingXID string
	if err := pool.QueryRow(ctx, `SELECT xmin::text FROM reports WHERE id = $1`, reps[0].ID).Scan(&filingXID); err != nil {
		t.Fatal(err)
	}
	sameTx := 0
	for _, r := range rels {
		var kind string
		if err := pool.QueryRow(ctx, `SELECT relkind::text FROM pg_class WHERE oid = $1::regclass`, r.name).Scan(&kind); err != nil {
			t.Fatal(err)
		}
		if kind == "i" {
			continue
		}
		for blk := int64(0); blk < r.pages; blk++ {
			rows, err := pool.Query(ctx, `SELECT coalesce(t_xmin::text, ''), coalesce(t_xmax::text, ''), t_data
				FROM heap_page_items(get_raw_page($1, $2::int)) WHERE t_data IS NOT NULL`, r.name, blk)
			if err != nil {
				t.Fatalf("%s page %d: %v", r.name, blk, err)
			}
			for rows.Next() {
				var xmin, xmax string
				var data []byte
				if err := rows.Scan(&xmin, &xmax, &data); err != nil {
					t.Fatal(err)
				}
				if xmin != filingXID && xmax != filingXID {
					continue
				}
				sameTx++
				if sec.holdsChat(data) {
					t.Errorf("%s page %d: a tuple the filing's transaction %s wrote or deleted holds the inspector's chat ID", r.name, blk, filingXID)
				}
			}
			rows.Close()
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
		}
	}
	if sameTx < 2 {
		t.Errorf("%d tuples carry the filing's transaction ID: the check cannot see the filing", sameTx)
	}
	t.Logf("%d pages of %d relations read raw; %d hold the inspector's chat ID; %d tuples carry the filing's transaction ID",
		pages, len(rels), chatPages, sameTx)
	if chatPages == 0 {
		t.Error("no page holds the chat ID: the scan cannot see the registry, let alone a link")
	}
}
