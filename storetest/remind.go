package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

// OpenRemind returns a fresh, empty remind.Store for tb (closing it with tb.Cleanup).
type OpenRemind func(tb testing.TB) remind.Store

// TestRemind is the contract of remind.Store. The PostgreSQL and SQLite stores run it.
func TestRemind(t *testing.T, open OpenRemind) {
	t.Run("Subscriptions", func(t *testing.T) { testRemindSubscriptions(t, open(t)) })
	t.Run("ScheduleAndClaim", func(t *testing.T) { testRemindScheduleAndClaim(t, open(t)) })
	t.Run("Outcomes", func(t *testing.T) { testRemindOutcomes(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testRemindConcurrentClaims(t, open(t)) })
	t.Run("DayPlans", func(t *testing.T) { testRemindDayPlans(t, open(t)) })
	t.Run("Answers", func(t *testing.T) { testRemindAnswers(t, open(t)) })
	t.Run("CalendarsAndOnce", func(t *testing.T) { testRemindCalendarsAndOnce(t, open(t)) })
}

var remindT0 = time.Date(2026, 11, 2, 0, 30, 0, 0, time.UTC) // 08:30 in Shanghai

func remindDay(s string) workday.Date {
	d, err := workday.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func remindOK(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func testRemindSubscriptions(t *testing.T, s remind.Store) {
	ctx := context.Background()
	if _, err := s.Subscription(ctx, 1); !errors.Is(err, remind.ErrNotFound) {
		t.Fatalf("missing subscription: %v", err)
	}
	want := remind.Subscription{ChatID: 1, Minute: 510, Enabled: true, SetBy: 1, Updated: remindT0}
	remindOK(t, s.PutSubscription(ctx, want))
	got, err := s.Subscription(ctx, 1)
	remindOK(t, err)
	got.Updated = got.Updated.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("got %+v, want %+v", *got, want)
	}
	want.Minute, want.Enabled, want.Reason, want.Updated = 495, false, "off", remindT0.Add(time.Hour)
	remindOK(t, s.PutSubscription(ctx, want))
	got, err = s.Subscription(ctx, 1)
	remindOK(t, err)
	if got.Minute != 495 || got.Enabled || got.Reason != "off" || !got.Updated.Equal(want.Updated) {
		t.Fatalf("replaced: %+v", *got)
	}
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: 2, Minute: 510, Enabled: true, Updated: remindT0}))
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: -100, Group: true, Minute: 540, Enabled: true, SetBy: 9, Updated: remindT0}))
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: -200, Group: true, Minute: 540, Enabled: false, Reason: "blocked", Updated: remindT0}))
	users, groups, err := s.CountSubscriptions(ctx)
	remindOK(t, err)
	if users != 1 || groups != 1 {
		t.Fatalf("counts %d users, %d groups; want 1, 1", users, groups)
	}
	gs, err := s.Subscriptions(ctx, true, false)
	remindOK(t, err)
	if len(gs) != 2 || gs[0].ChatID != -200 || gs[1].ChatID != -100 || !gs[1].Group || gs[1].SetBy != 9 {
		t.Fatalf("groups %+v", gs)
	}
	gs, err = s.Subscriptions(ctx, true, true)
	remindOK(t, err)
	if len(gs) != 1 || gs[0].ChatID != -100 {
		t.Fatalf("enabled groups %+v", gs)
	}
	us, err := s.Subscriptions(ctx, false, false)
	remindOK(t, err)
	if len(us) != 2 || us[0].ChatID != 1 || us[1].ChatID != 2 {
		t.Fatalf("users %+v", us)
	}
}

func remindSubscribe(tb testing.TB, s remind.Store, minute int, ids ...int64) {
	tb.Helper()
	for _, id := range ids {
		remindOK(tb, s.PutSubscription(context.Background(), remind.Subscription{ChatID: id, Group: id < 0, Minute: minute,
			Enabled: true, Updated: remindT0}))
	}
}

func remindChats(ds []remind.Delivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ChatID
	}
	return out
}

func testRemindScheduleAndClaim(t *testing.T, s remind.Store) {
	ctx := context.Background()
	d1, d2 := remindDay("2026-11-02"), remindDay("2026-11-03")
	remindSubscribe(t, s, 510, 3, 1, 2)
	remindSubscribe(t, s, 495, 5)
	remindSubscribe(t, s, 600, 4)
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: 6, Minute: 480, Enabled: false, Reason: "off", Updated: remindT0}))

	n, err := s.Schedule(ctx, d1, 510, remindT0)
	remindOK(t, err)
	if n != 4 {
		t.Fatalf("scheduled %d at 08:30, want 4 (chats 1, 2, 3, 5)", n)
	}
	if n, _ := s.Schedule(ctx, d1, 510, remindT0); n != 0 {
		t.Fatalf("scheduled %d again", n)
	}
	if d, err := s.Delivery(ctx, d1, 1); err != nil || d.State != remind.Pending || d.Attempts != 0 || d.LeaseOwner != "" {
		t.Fatalf("new delivery %+v %v", d, err)
	}
	if _, err := s.Delivery(ctx, d1, 4); !errors.Is(err, remind.ErrNotFound) {
		t.Fatalf("chat 4 (10:00) is not due: %v", err)
	}

	lease := remindT0.Add(5 * time.Minute)
	got, err := s.Claim(ctx, d1, 510, "a", remindT0, lease, 3)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[5 1 2]" {
		t.Fatalf("claimed %v, want [5 1 2] (by minute, then chat)", remindChats(got))
	}
	for _, d := range got {
		if d.LeaseOwner != "a" || !d.LeaseUntil.Equal(lease) || d.Day != d1 || d.State != remind.Pending {
			t.Fatalf("claimed %+v", d)
		}
	}
	got, err = s.Claim(ctx, d1, 510, "b", remindT0, lease, 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[3]" {
		t.Fatalf("second claim %v, want [3]", remindChats(got))
	}
	if got, _ := s.Claim(ctx, d1, 510, "c", remindT0.Add(time.Minute), lease, 10); len(got) != 0 {
		t.Fatalf("claimed leased deliveries: %v", remindChats(got))
	}
	// Leases expire.
	got, err = s.Claim(ctx, d1, 510, "c", lease, lease.Add(5*time.Minute), 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[5 1 2 3]" {
		t.Fatalf("after the leases: %v", remindChats(got))
	}
	for _, d := range got {
		remindOK(t, s.Release(ctx, d1, d.ChatID, "c", time.Time{}, false, "", 5))
	}

	// Other days are never claimed.
	if got, _ := s.Claim(ctx, d2, 1439, "a", remindT0, lease, 10); len(got) != 0 {
		t.Fatalf("claimed on another day: %v", remindChats(got))
	}
	// A subscription turned off, or moved later, after its delivery was created is not claimed.
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: 1, Minute: 510, Enabled: false, Reason: "off", Updated: remindT0}))
	remindOK(t, s.PutSubscription(ctx, remind.Subscription{ChatID: 2, Minute: 700, Enabled: true, Updated: remindT0}))
	got, err = s.Claim(ctx, d1, 510, "a", remindT0, lease, 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[5 3]" {
		t.Fatalf("claimed %v, want [5 3]", remindChats(got))
	}
	// NotBefore holds a delivery back.
	remindOK(t, s.Release(ctx, d1, 5, "a", remindT0.Add(time.Minute), false, "", 5))
	remindOK(t, s.Release(ctx, d1, 3, "a", time.Time{}, false, "", 5))
	got, err = s.Claim(ctx, d1, 510, "a", remindT0.Add(30*time.Second), lease, 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[3]" {
		t.Fatalf("claimed %v before chat 5's not-before", remindChats(got))
	}
	got, err = s.Claim(ctx, d1, 510, "a", remindT0.Add(time.Minute), lease, 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[5]" || !got[0].NotBefore.Equal(remindT0.Add(time.Minute)) {
		t.Fatalf("claimed %+v at chat 5's not-before", got)
	}
	// Later minutes schedule more.
	if n, _ := s.Schedule(ctx, d1, 700, remindT0); n != 1 {
		t.Fatalf("scheduled %d at 11:40, want 1 (chat 4)", n)
	}
}

func testRemindOutcomes(t *testing.T, s remind.Store) {
	ctx := context.Background()
	d1 := remindDay("2026-11-02")
	remindSubscribe(t, s, 510, 1, 2, 3, 4, -100)
	_, err := s.Schedule(ctx, d1, 510, remindT0)
	remindOK(t, err)
	lease := remindT0.Add(5 * time.Minute)
	got, err := s.Claim(ctx, d1, 510, "a", remindT0, lease, 10)
	remindOK(t, err)
	if len(got) != 5 {
		t.Fatalf("claimed %v", remindChats(got))
	}
	sentAt := remindT0.Add(time.Second)
	ok, err := s.MarkSent(ctx, d1, 1, "a", 4242, sentAt)
	remindOK(t, err)
	if !ok {
		t.Fatal("MarkSent by the lease owner: not ok")
	}
	d, err := s.Delivery(ctx, d1, 1)
	remindOK(t, err)
	if d.State != remind.Sent || d.MessageID != 4242 || !d.SentAt.Equal(sentAt) || d.LeaseOwner != "" || !d.LeaseUntil.IsZero() {
		t.Fatalf("sent delivery %+v", d)
	}
	// A send by an instance that lost its lease is still recorded, and reported.
	ok, err = s.MarkSent(ctx, d1, 2, "someone else", 7, sentAt)
	remindOK(t, err)
	if ok {
		t.Fatal("MarkSent without the lease: ok")
	}
	if d, _ := s.Delivery(ctx, d1, 2); d.State != remind.Sent {
		t.Fatalf("%+v", d)
	}
	if _, err := s.MarkSent(ctx, d1, 99, "a", 1, sentAt); !errors.Is(err, remind.ErrNotFound) {
		t.Fatalf("MarkSent of an unknown delivery: %v", err)
	}

	// Blocked: the delivery ends and the subscription is disabled.
	remindOK(t, s.MarkBlocked(ctx, d1, -100, "a", sentAt))
	if d, _ := s.Delivery(ctx, d1, -100); d.State != remind.Blocked || d.LeaseOwner != "" {
		t.Fatalf("%+v", d)
	}
	sub, err := s.Subscription(ctx, -100)
	remindOK(t, err)
	if sub.Enabled || sub.Reason != "blocked" || !sub.Updated.Equal(sentAt) {
		t.Fatalf("blocked subscription %+v", sub)
	}

	// Failed attempts count; at the maximum the delivery ends Failed.
	remindOK(t, s.Release(ctx, d1, 3, "not the owner", time.Time{}, true, "x", 2))
	if d, _ := s.Delivery(ctx, d1, 3); d.Attempts != 0 || d.LeaseOwner != "a" {
		t.Fatalf("released by another owner: %+v", d)
	}
	remindOK(t, s.Release(ctx, d1, 3, "a", remindT0.Add(time.Minute), true, "502 Bad Gateway", 2))
	d, _ = s.Delivery(ctx, d1, 3)
	if d.State != remind.Pending || d.Attempts != 1 || d.LastError != "502 Bad Gateway" || d.LeaseOwner != "" ||
		!d.NotBefore.Equal(remindT0.Add(time.Minute)) {
		t.Fatalf("after one failure %+v", d)
	}
	got, err = s.Claim(ctx, d1, 510, "a", remindT0.Add(time.Minute), lease.Add(time.Minute), 10)
	remindOK(t, err)
	if fmt.Sprint(remindChats(got)) != "[3]" || got[0].Attempts != 1 {
		t.Fatalf("reclaimed %+v", got)
	}
	remindOK(t, s.Release(ctx, d1, 3, "a", remindT0.Add(2*time.Minute), true, "timeout", 2))
	if d, _ := s.Delivery(ctx, d1, 3); d.State != remind.Failed || d.Attempts != 2 || d.LastError != "timeout" {
		t.Fatalf("after the last failure %+v", d)
	}
	// A release without failure keeps the count (chat 4 is still leased to a).
	remindOK(t, s.Release(ctx, d1, 4, "a", time.Time{}, false, "", 2))
	if d, _ := s.Delivery(ctx, d1, 4); d.State != remind.Pending || d.Attempts != 0 || d.LeaseOwner != "" || !d.NotBefore.IsZero() {
		t.Fatalf("plain release %+v", d)
	}
	if got, _ := s.Claim(ctx, d1, 1439, "a", remindT0.Add(3*time.Minute), lease, 10); fmt.Sprint(remindChats(got)) != "[4]" {
		t.Fatalf("only chat 4 is left: %v", remindChats(got))
	}

	counts, err := s.DeliveryCounts(ctx, d1)
	remindOK(t, err)
	want := map[string]int{remind.Sent: 2, remind.Blocked: 1, remind.Failed: 1, remind.Pending: 1}
	if !reflect.DeepEqual(counts, want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	if counts, _ := s.DeliveryCounts(ctx, d1.AddDays(1)); len(counts) != 0 {
		t.Fatalf("counts since tomorrow %v", counts)
	}
}

// testRemindConcurrentClaims has eight claimers take batches at once until nothing is left: every delivery
// must be claimed exactly once.
func testRemindConcurrentClaims(t *testing.T, s remind.Store) {
	ctx := context.Background()
	d1 := remindDay("2026-11-02")
	const n = 300
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	remindSubscribe(t, s, 510, ids...)
	_, err := s.Schedule(ctx, d1, 510, remindT0)
	remindOK(t, err)
	var mu sync.Mutex
	claimedBy := map[int64][]string{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		owner := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Claim(ctx, d1, 510, owner, remindT0, remindT0.Add(time.Hour), 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					claimedBy[d.ChatID] = append(claimedBy[d.ChatID], owner)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimedBy) != n {
		t.Fatalf("%d of %d deliveries claimed", len(claimedBy), n)
	}
	for id, owners := range claimedBy {
		if len(owners) != 1 {
			t.Fatalf("delivery to %d claimed by %v", id, owners)
		}
	}
}

func testRemindDayPlans(t *testing.T, s remind.Store) {
	ctx := context.Background()
	if _, err := s.DayPlan(ctx, remindDay("2026-11-02")); !errors.Is(err, remind.ErrNotFound) {
		t.Fatalf("missing plan: %v", err)
	}
	mk := func(d string, clause string) remind.DayPlan {
		return remind.DayPlan{Day: remindDay(d), VersionID: 3, ClauseID: clause, ClauseCycle: 2, Title: "服务仪表",
			Text: "工作时不得在窗口吃东西。", Reading: "坐在窗口就是在岗。", QuestionID: "q-" + clause, QuestionCycle: 1,
			Question: remind.Question{ID: "q-" + clause, ClauseID: clause, Text: "哪一项？", Options: []string{"甲", "乙", "丙"}, Answer: 2},
			Created:  remindT0}
	}
	p := mk("2026-11-02", "1.3.3")
	got, err := s.PutDayPlan(ctx, p)
	remindOK(t, err)
	got.Created = got.Created.UTC()
	if !reflect.DeepEqual(*got, p) {
		t.Fatalf("stored %+v\nwant %+v", *got, p)
	}
	// The first plan of a day wins.
	got, err = s.PutDayPlan(ctx, mk("2026-11-02", "1.1.1"))
	remindOK(t, err)
	if got.ClauseID != "1.3.3" {
		t.Fatalf("second plan replaced the first: %+v", got)
	}
	for _, d := range []string{"2026-10-30", "2026-10-29", "2026-11-03"} {
		_, err := s.PutDayPlan(ctx, mk(d, "2.1"))
		remindOK(t, err)
	}
	ps, err := s.DayPlans(ctx, remindDay("2026-11-03"), 2)
	remindOK(t, err)
	if len(ps) != 2 || ps[0].Day.String() != "2026-11-02" || ps[1].Day.String() != "2026-10-30" {
		t.Fatalf("plans before 11-03: %+v", ps)
	}
	if ps[0].Question.Answer != 2 || len(ps[0].Question.Options) != 3 {
		t.Fatalf("question %+v", ps[0].Question)
	}
}

func testRemindAnswers(t *testing.T, s remind.Store) {
	ctx := context.Background()
	d1, d2 := remindDay("2026-11-02"), remindDay("2026-11-03")
	a := remind.Answer{Day: d1, UserID: 7, ChatID: 7, QuestionID: "q1", Choice: 1, Correct: true, Answered: remindT0}
	got, first, err := s.PutAnswer(ctx, a)
	remindOK(t, err)
	got.Answered = got.Answered.UTC()
	if !first || !reflect.DeepEqual(*got, a) {
		t.Fatalf("first answer %+v %v", got, first)
	}
	again := a
	again.Choice, again.Correct = 2, false
	got, first, err = s.PutAnswer(ctx, again)
	remindOK(t, err)
	if first || got.Choice != 1 || !got.Correct {
		t.Fatalf("second answer replaced the first: %+v %v", got, first)
	}
	for _, x := range []remind.Answer{
		{Day: d1, UserID: 8, ChatID: -100, QuestionID: "q1", Choice: 0, Correct: false, Answered: remindT0},
		{Day: d2, UserID: 7, ChatID: 7, QuestionID: "q2", Choice: 3, Correct: false, Answered: remindT0.Add(24 * time.Hour)},
		{Day: d2, UserID: 9, ChatID: 9, QuestionID: "q2", Choice: 0, Correct: true, Answered: remindT0.Add(24 * time.Hour)},
	} {
		_, _, err := s.PutAnswer(ctx, x)
		remindOK(t, err)
	}
	for _, c := range []struct {
		day    workday.Date
		user   int64
		choice int
		ok     bool
	}{{d1, 7, 1, true}, {d2, 7, 3, true}, {d1, 8, 0, true}, {d1, 9, 0, false}, {remindDay("2026-11-04"), 7, 0, false}} {
		choice, ok, err := s.AnsweredChoice(ctx, c.day, c.user)
		remindOK(t, err)
		if choice != c.choice || ok != c.ok {
			t.Fatalf("AnsweredChoice(%s, %d) = %d %v, want %d %v", c.day, c.user, choice, ok, c.choice, c.ok)
		}
	}
	answered, correct, err := s.AnswerCounts(ctx, 7)
	remindOK(t, err)
	if answered != 2 || correct != 1 {
		t.Fatalf("user 7: %d answered, %d correct", answered, correct)
	}
	if answered, correct, _ := s.AnswerCounts(ctx, 404); answered != 0 || correct != 0 {
		t.Fatal("unknown user has answers")
	}
	days, users, err := s.AnswerStats(ctx, d1)
	remindOK(t, err)
	want := []remind.DayStats{{Day: d1, Answered: 2, Correct: 1}, {Day: d2, Answered: 2, Correct: 1}}
	if !reflect.DeepEqual(days, want) || users != 3 {
		t.Fatalf("stats %+v users %d", days, users)
	}
	days, users, err = s.AnswerStats(ctx, d2)
	remindOK(t, err)
	if len(days) != 1 || users != 2 {
		t.Fatalf("stats since %s: %+v users %d", d2, days, users)
	}
}

func testRemindCalendarsAndOnce(t *testing.T, s remind.Store) {
	ctx := context.Background()
	ys, err := s.CalendarYears(ctx)
	remindOK(t, err)
	if len(ys) != 0 {
		t.Fatalf("calendars %v", ys)
	}
	remindOK(t, s.PutCalendarYear(ctx, 2027, "year 2027\nstatus provisional\n", remindT0))
	remindOK(t, s.PutCalendarYear(ctx, 2027, "year 2027\nstatus official\n", remindT0.Add(time.Hour)))
	remindOK(t, s.PutCalendarYear(ctx, 2028, "year 2028\nstatus official\n", remindT0))
	ys, err = s.CalendarYears(ctx)
	remindOK(t, err)
	if len(ys) != 2 || ys[2027] != "year 2027\nstatus official\n" {
		t.Fatalf("calendars %v", ys)
	}
}
