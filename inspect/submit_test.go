package inspect_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/sqlite"
)

// Issue 12: a press of 提交 repeated after a crash at any point of the submission files one report and one
// notification, and the inspector gets the receipt of a filed report; no draft outlives its report.
//
// A crash is the process stopping dead at a point: the handler of the first press blocks there for good (its
// goroutine is abandoned, as a killed process's work is), and a new service is started on the same SQLite file
// with the same seal key, as after a restart.

// stall blocks the first call of a point once armed, until the test ends: the process "dies" there.
type stall struct {
	mu      sync.Mutex
	point   string
	armed   bool
	reached chan struct{}
	ctx     context.Context
}

func newStall(ctx context.Context, point string) *stall {
	return &stall{point: point, reached: make(chan struct{}), ctx: ctx}
}

// at blocks when the point is the stall's and it is armed; it returns the context's error then.
func (s *stall) at(point string) error {
	s.mu.Lock()
	hit := s.armed && s.point == point
	if hit {
		s.armed = false
	}
	s.mu.Unlock()
	if !hit {
		return nil
	}
	close(s.reached)
	<-s.ctx.Done()
	return s.ctx.Err()
}

func (s *stall) arm() {
	s.mu.Lock()
	s.armed = true
	s.mu.Unlock()
}

// stallingOut is the transport of the process that dies: it stops dead at the stall's point.
type stallingOut struct {
	*fakeOut
	s *stall
}

func (o stallingOut) Send(ctx context.Context, chat int64, m bot.Message) (int, error) {
	if err := o.s.at("send"); err != nil {
		return 0, err
	}
	return o.fakeOut.Send(ctx, chat, m)
}

func (o stallingOut) Edit(ctx context.Context, chat int64, id int, m bot.Message) error {
	if err := o.s.at("edit"); err != nil {
		return err
	}
	return o.fakeOut.Edit(ctx, chat, id, m)
}

func (o stallingOut) AnswerCallback(ctx context.Context, id string, n bot.Notice) error {
	if err := o.s.at("answer"); err != nil {
		return err
	}
	return o.fakeOut.AnswerCallback(ctx, id, n)
}

// stallingStore is the real store of the process that dies: it stops dead just before the filing's
// transaction, or just after it committed.
type stallingStore struct {
	fullStore
	s *stall
}

func (st stallingStore) Submit(ctx context.Context, sub inspect.Submission) error {
	if err := st.s.at("before filing"); err != nil {
		return err
	}
	err := st.fullStore.Submit(ctx, sub)
	if serr := st.s.at("after filing"); serr != nil {
		return serr
	}
	return err
}

func TestSubmitOnceAfterCrash(t *testing.T) {
	for _, point := range []string{"before filing", "after filing", "answer", "edit", "send"} {
		t.Run(strings.ReplaceAll(point, " ", "_"), func(t *testing.T) {
			for _, photo := range []bool{false, true} {
				crashAndPressAgain(t, point, photo)
			}
		})
	}
}

func crashAndPressAgain(t *testing.T, point string, withPhoto bool) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "conductbot.db")
	store := openSQLite(t, path)
	if err := testkit.ImportShipped(ctx, store); err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(testkit.Start)
	if _, err := store.SetRole(ctx, supervisor.ID, bot.Supervisor, true, adminUser.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	dead, kill := context.WithCancel(ctx)
	st := newStall(dead, point)
	e := newEnvOn(t, stallingStore{store, st}, clock)
	e.seedWindows()
	e.join(inspUser)
	var photo []byte
	if withPhoto {
		photo = gpsJPEG(t, 320, 240, 1)
	}
	review := e.fillReport(inspUser, photo)
	submit, ok := review.button("提交")
	if !ok {
		t.Fatalf("no 提交 on the review:\n%s", review.Text)
	}
	var draft struct {
		ID       string `json:"id"`
		ReportID string `json:"rid"`
	}

	// The first press: the process dies at the point.
	st.arm()
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		up := private(inspUser)
		up.ID, up.MessageID = 100000, review.ID
		up.Callback = &bot.Callback{ID: "first", Data: submit.Data}
		_ = e.rt.Handle(dead, stallingOut{e.out, st}, up)
	}()
	t.Cleanup(func() { kill(); <-handled })
	select {
	case <-st.reached:
	case <-handled:
		t.Fatalf("the press ended without reaching %q", point)
	case <-time.After(20 * time.Second):
		t.Fatalf("the press never reached %q", point)
	}
	if s, err := store.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft); err == nil {
		openState(t, inspUser.ID, s, &draft)
	}

	// The restart: a new service on the same file and key; the inspector presses 提交 again.
	store2 := openSQLite(t, path)
	e2 := newEnvOn(t, store2, clock)
	e2.pressData(inspUser, review.ID, submit.Data)
	reps, err := store2.Reports(ctx, inspect.ReportFilter{})
	if err != nil || len(reps) != 1 {
		t.Fatalf("crash %s: %d reports after pressing again (%v)", point, len(reps), err)
	}
	if draft.ReportID != "" && reps[0].ID != draft.ReportID {
		t.Errorf("crash %s: filed under %s, not the ID the draft kept for its submission", point, reps[0].ID)
	}
	receipts := receiptsTo(e2.out, inspUser.ID)
	if len(receipts) != 1 {
		t.Fatalf("crash %s: %d receipts shown after pressing again, want 1: %q", point, len(receipts), receipts)
	}
	expect(t, receipts[0], "回执码")
	if point != "before filing" {
		expect(t, receipts[0], "已经提交成功", "3号窗口")
	}
	code := codePattern.FindString(receipts[0])
	if r, err := store2.ReportByReceipt(ctx, inspect.ReceiptHash(code)); err != nil || r.ID != reps[0].ID {
		t.Fatalf("crash %s: the receipt %q shown does not find the report: %v", point, code, err)
	}
	if _, err := store2.GetState(ctx, stateChat(inspUser.ID), inspect.KindDraft); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("crash %s: the draft outlives its report (%v)", point, err)
	}
	if _, err := store2.GetState(ctx, stateChat(inspUser.ID), inspect.KindReceipt); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("crash %s: the receipt state outlives the receipt shown (%v)", point, err)
	}
	if draft.ID != "" {
		if n := len(mustStrings(t, store2, `SELECT id FROM report_photos WHERE draft_id = ?`, draft.ID)); n > 0 {
			t.Errorf("crash %s: %d draft photos left", point, n)
		}
	}
	if withPhoto {
		full, err := store2.Report(ctx, reps[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		photos := 0
		for _, f := range full.Findings {
			for _, p := range f.Photos {
				if _, err := store2.Photo(ctx, p.ID); err != nil {
					t.Errorf("crash %s: the report's photo: %v", point, err)
				}
				photos++
			}
		}
		if photos != 1 {
			t.Errorf("crash %s: the report has %d photos, want 1", point, photos)
		}
	}

	// One notification.
	if n, err := e2.svc.Notifier().Flush(ctx, e2.out); err != nil || n != 1 {
		t.Fatalf("crash %s: %d reports announced (%v), want 1", point, n, err)
	}
	if n, err := e2.svc.Notifier().Flush(ctx, e2.out); err != nil || n != 0 {
		t.Fatalf("crash %s: %d more reports announced (%v)", point, n, err)
	}
	if got := len(e2.out.to(supervisor.ID)); got != 1 {
		t.Errorf("crash %s: the supervisor got %d notifications", point, got)
	}

	// A third press: the form is gone, and the receipt is not shown twice.
	e2.pressData(inspUser, review.ID, submit.Data)
	if n := len(receiptsTo(e2.out, inspUser.ID)); n != 1 {
		t.Errorf("crash %s: the receipt was shown again (%d receipts)", point, n)
	}
	if a := e2.out.lastAnswer(); !strings.Contains(a.Text, "已提交、取消或过期") {
		t.Errorf("crash %s: a press of a filed form answered %+v", point, a)
	}
}

// receiptsTo are the messages to a chat that show a receipt code.
func receiptsTo(o *fakeOut, chat int64) []string {
	var out []string
	for _, m := range o.to(chat) {
		if strings.Contains(m.Text, "回执码：") {
			out = append(out, m.Text)
		}
	}
	return out
}

// mustStrings runs a query on the SQLite store's database and returns the first column of each row.
func mustStrings(t *testing.T, db *sqlite.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReceiptShownOnNextMessage: the receipt could not be sent (Telegram failed); the report is filed, and
// the inspector's next message, whatever it is, gets the receipt, once.
func TestReceiptShownOnNextMessage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.seedWindows()
	e.join(inspUser)
	review := e.fillReport(inspUser, nil)
	submit, _ := review.button("提交")
	up := private(inspUser)
	up.ID, up.MessageID = 100000, review.ID
	up.Callback = &bot.Callback{ID: "first", Data: submit.Data}
	_ = e.rt.Handle(ctx, failingSends{e.out}, up)
	if n, err := e.store.CountReports(ctx, inspect.ReportFilter{}); err != nil || n != 1 {
		t.Fatalf("%d reports (%v)", n, err)
	}
	before := len(e.out.to(inspUser.ID))
	m := e.say(inspUser, "窗口可以吃东西吗")
	expect(t, m.Text, "已经提交成功", "回执码", "3号窗口")
	code := codePattern.FindString(m.Text)
	if _, err := e.store.ReportByReceipt(ctx, inspect.ReceiptHash(code)); err != nil {
		t.Fatalf("the receipt shown: %v", err)
	}
	if got := len(e.out.to(inspUser.ID)) - before; got != 1 {
		t.Errorf("%d messages for one message, want the receipt", got)
	}
	m = e.say(inspUser, "窗口可以吃东西吗")
	if strings.Contains(m.Text, "回执码") {
		t.Errorf("the receipt was shown twice:\n%s", m.Text)
	}
	expect(t, m.Text, "1.3.3")
}

// failingSends is a transport whose messages fail (Telegram down), while answers and edits go through.
type failingSends struct{ *fakeOut }

func (o failingSends) Send(context.Context, int64, bot.Message) (int, error) {
	return 0, errors.New("telegram: 502 Bad Gateway")
}
