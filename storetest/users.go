package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// BotStore is what the bot keeps: users and granted roles, per-chat conversation state, questions and feedback.
type BotStore interface {
	bot.UserStore
	bot.StateStore
	bot.QALog
}

// OpenBot returns a fresh, empty BotStore for tb (closing it with tb.Cleanup).
type OpenBot func(tb testing.TB) BotStore

// TestBot is the contract of the bot's stores. The PostgreSQL and SQLite stores run it.
func TestBot(t *testing.T, open OpenBot) {
	t.Run("Users", func(t *testing.T) { testBotUsers(t, open(t)) })
	t.Run("Roles", func(t *testing.T) { testBotRoles(t, open(t)) })
	t.Run("States", func(t *testing.T) { testBotStates(t, open(t)) })
	t.Run("RekeyStates", func(t *testing.T) { testRekeyStates(t, open(t)) })
	t.Run("Questions", func(t *testing.T) { testBotQuestions(t, open(t)) })
	t.Run("Gaps", func(t *testing.T) { testBotGaps(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testBotConcurrent(t, open(t)) })
}

// botT0 is a time with microseconds, which both SQL stores keep exactly.
var botT0 = time.Date(2026, 11, 2, 1, 2, 3, 456789000, time.UTC)

func sameTime(a, b time.Time) bool { return a.Equal(b) }

func testBotUsers(t *testing.T, s BotStore) {
	ctx := context.Background()
	if _, err := s.GetUser(ctx, 7); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("GetUser of an unknown user: %v", err)
	}
	if _, err := s.FindUser(ctx, "nobody"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("FindUser of an unknown name: %v", err)
	}
	u, err := s.SeeUser(ctx, bot.Identity{ID: 7, Username: "XiaoWang", Name: "小王 王"}, botT0)
	botNoErr(t, err)
	hour := botT0.Truncate(time.Hour)
	if u.ID != 7 || u.Username != "XiaoWang" || u.Name != "小王 王" || !sameTime(u.FirstSeen, hour) || !sameTime(u.LastSeen, hour) || u.Granted != 0 {
		t.Fatalf("first SeeUser: %+v", u)
	}
	later := botT0.Add(5 * time.Hour)
	u, err = s.SeeUser(ctx, bot.Identity{ID: 7, Username: "xw2", Name: "小王"}, later)
	botNoErr(t, err)
	if u.Username != "xw2" || u.Name != "小王" || !sameTime(u.FirstSeen, hour) || !sameTime(u.LastSeen, later.Truncate(time.Hour)) {
		t.Fatalf("second SeeUser: %+v", u)
	}
	g, err := s.GetUser(ctx, 7)
	botNoErr(t, err)
	if !reflect.DeepEqual(norm(*g), norm(*u)) {
		t.Fatalf("GetUser %+v, SeeUser returned %+v", g, u)
	}
	for _, name := range []string{"xw2", "XW2", "@xw2"} {
		f, err := s.FindUser(ctx, name)
		if err != nil || f.ID != 7 {
			t.Fatalf("FindUser(%q): %+v %v", name, f, err)
		}
	}
	if _, err := s.FindUser(ctx, "XiaoWang"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("FindUser of the old username: %v", err)
	}
	if _, err := s.FindUser(ctx, ""); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("FindUser of an empty name: %v", err)
	}
	// Without a username.
	_, err = s.SeeUser(ctx, bot.Identity{ID: 8, Name: "无名"}, botT0)
	botNoErr(t, err)
	if _, err := s.FindUser(ctx, ""); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("FindUser(\"\") found a user without a username: %v", err)
	}
}

// norm drops the location of times, which stores may set differently.
func norm(u bot.User) bot.User {
	u.FirstSeen, u.LastSeen = u.FirstSeen.UTC(), u.LastSeen.UTC()
	return u
}

func testBotRoles(t *testing.T, s BotStore) {
	ctx := context.Background()
	for i, id := range []int64{1, 2, 3} {
		_, err := s.SeeUser(ctx, bot.Identity{ID: id, Username: fmt.Sprint("u", id)}, botT0.Add(time.Duration(i)*time.Hour))
		botNoErr(t, err)
	}
	changed, err := s.SetRole(ctx, 1, bot.Supervisor, true, 99, botT0)
	botNoErr(t, err)
	if !changed {
		t.Fatal("granting a new role changed nothing")
	}
	changed, err = s.SetRole(ctx, 1, bot.Supervisor, true, 99, botT0)
	botNoErr(t, err)
	if changed {
		t.Fatal("granting a held role changed something")
	}
	_, err = s.SetRole(ctx, 1, bot.Admin, true, 99, botT0)
	botNoErr(t, err)
	u, err := s.GetUser(ctx, 1)
	botNoErr(t, err)
	if u.Granted != bot.Roles(bot.Supervisor).With(bot.Admin) {
		t.Fatalf("granted %v", u.Granted)
	}
	// SeeUser keeps the roles and returns them.
	u, err = s.SeeUser(ctx, bot.Identity{ID: 1, Username: "u1"}, botT0.Add(9*time.Hour))
	botNoErr(t, err)
	if !u.Granted.Contains(bot.Admin) || !u.Granted.Contains(bot.Supervisor) {
		t.Fatalf("SeeUser lost roles: %v", u.Granted)
	}
	// Granting to an unknown user creates them, never seen.
	changed, err = s.SetRole(ctx, 50, bot.Supervisor, true, 99, botT0)
	botNoErr(t, err)
	u, err = s.GetUser(ctx, 50)
	botNoErr(t, err)
	if !changed || u.Granted != bot.Roles(bot.Supervisor) || !u.FirstSeen.IsZero() || !u.LastSeen.IsZero() {
		t.Fatalf("granted to an unknown user: %+v", u)
	}
	// Revoking.
	changed, err = s.SetRole(ctx, 1, bot.Admin, false, 99, botT0)
	botNoErr(t, err)
	if !changed {
		t.Fatal("revoking a held role changed nothing")
	}
	changed, err = s.SetRole(ctx, 1, bot.Admin, false, 99, botT0)
	botNoErr(t, err)
	if changed {
		t.Fatal("revoking a role not held changed something")
	}
	changed, err = s.SetRole(ctx, 404, bot.Admin, false, 99, botT0)
	botNoErr(t, err)
	if changed {
		t.Fatal("revoking from an unknown user changed something")
	}
	if _, err := s.GetUser(ctx, 404); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("revoking created a user: %v", err)
	}
	// Users with roles first, then the most recently seen.
	us, err := s.ListUsers(ctx, 10)
	botNoErr(t, err)
	var ids []int64
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	if want := []int64{1, 50, 3, 2}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ListUsers order %v, want %v", ids, want)
	}
	us, err = s.ListUsers(ctx, 2)
	botNoErr(t, err)
	if len(us) != 2 {
		t.Fatalf("ListUsers(2) returned %d", len(us))
	}
}

func testBotStates(t *testing.T, s BotStore) {
	ctx := context.Background()
	if _, err := s.GetState(ctx, 1, "qa.note"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("GetState of nothing: %v", err)
	}
	if _, err := s.ActiveState(ctx, 1, botT0); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("ActiveState of nothing: %v", err)
	}
	draft := bot.State{ChatID: 1, Kind: "report.draft", Data: json.RawMessage(`{"window":3,"items":["1.3.3"]}`),
		Expires: botT0.Add(24 * time.Hour), Updated: botT0}
	botNoErr(t, s.PutState(ctx, draft))
	note := bot.State{ChatID: 1, Kind: "qa.note", Data: json.RawMessage(`{"q":5}`), Expires: botT0.Add(11 * time.Minute),
		Updated: botT0.Add(time.Minute)}
	botNoErr(t, s.PutState(ctx, note))
	forever := bot.State{ChatID: 0, Kind: "telegram.offset.1", Data: json.RawMessage(`{"update_id":9}`), Updated: botT0}
	botNoErr(t, s.PutState(ctx, forever))
	other := bot.State{ChatID: 2, Kind: "qa.note", Data: json.RawMessage(`{"q":6}`), Expires: botT0.Add(time.Hour), Updated: botT0.Add(time.Hour)}
	botNoErr(t, s.PutState(ctx, other))

	check := func(got *bot.State, err error, want bot.State) {
		t.Helper()
		botNoErr(t, err)
		var a, b any
		botNoErr(t, json.Unmarshal(got.Data, &a))
		botNoErr(t, json.Unmarshal(want.Data, &b))
		if got.ChatID != want.ChatID || got.Kind != want.Kind || !reflect.DeepEqual(a, b) ||
			!sameTime(got.Expires, want.Expires) || !sameTime(got.Updated, want.Updated) {
			t.Fatalf("state %+v (%s), want %+v (%s)", got, got.Data, want, want.Data)
		}
	}
	st, err := s.GetState(ctx, 1, "report.draft")
	check(st, err, draft)
	st, err = s.GetState(ctx, 0, "telegram.offset.1")
	check(st, err, forever)
	if !st.Expires.IsZero() || st.Expired(botT0.Add(1000*time.Hour)) {
		t.Fatalf("a state without expiry expires: %+v", st)
	}
	// The newest unexpired state is active; after it expires, the older one is.
	st, err = s.ActiveState(ctx, 1, botT0.Add(2*time.Minute))
	check(st, err, note)
	st, err = s.ActiveState(ctx, 1, botT0.Add(11*time.Minute)) // expiry is exclusive
	check(st, err, draft)
	if _, err := s.ActiveState(ctx, 1, botT0.Add(25*time.Hour)); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("ActiveState after all expired: %v", err)
	}
	// GetState returns expired states too: the form decides what to say.
	st, err = s.GetState(ctx, 1, "qa.note")
	check(st, err, note)
	// Replacing.
	note2 := note
	note2.Data, note2.Updated, note2.Expires = json.RawMessage(`{"q":7}`), botT0.Add(3*time.Minute), time.Time{}
	botNoErr(t, s.PutState(ctx, note2))
	st, err = s.GetState(ctx, 1, "qa.note")
	check(st, err, note2)
	// Deleting expired states: only the draft has expired by then (note2 never expires).
	n, err := s.DeleteExpiredStates(ctx, botT0.Add(25*time.Hour))
	botNoErr(t, err)
	if n != 2 { // the draft, and chat 2's note
		t.Fatalf("DeleteExpiredStates removed %d, want 2", n)
	}
	if _, err := s.GetState(ctx, 1, "report.draft"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("the expired draft is still there: %v", err)
	}
	botNoErr(t, s.DeleteState(ctx, 1, "qa.note"))
	botNoErr(t, s.DeleteState(ctx, 1, "qa.note")) // twice is fine
	if _, err := s.ActiveState(ctx, 1, botT0); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("after deleting: %v", err)
	}
	st, err = s.GetState(ctx, 0, "telegram.offset.1")
	check(st, err, forever)
}

// testRekeyStates: states stored under plain chat IDs (before pseudonyms) move to their pseudonyms, data and
// times intact; chat 0 and states already under pseudonyms stay; a second run moves nothing.
func testRekeyStates(t *testing.T, s BotStore) {
	ctx := context.Background()
	rk, ok := s.(bot.StateRekeyer)
	if !ok {
		t.Fatalf("%T does not rekey states", s)
	}
	key := bot.ChatPseudonym([]byte("storetest key"))
	put := func(chat int64, kind, data string) bot.State {
		st := bot.State{ChatID: chat, Kind: kind, Data: json.RawMessage(data), Expires: botT0.Add(time.Hour), Updated: botT0}
		botNoErr(t, s.PutState(ctx, st))
		return st
	}
	draft := put(7351906642, "report.draft", `{"sealed":"a"}`)
	group := put(-1001234567890, "qa.note", `{"q":1}`)
	put(0, "telegram.offset.1", `{"update_id":9}`)
	already := put(key(5), "qa.note", `{"q":2}`)
	put(5, "qa.note", `{"q":"older, under the plain ID"}`) // its pseudonym's row is taken: dropped
	n, err := rk.RekeyStates(ctx, key)
	botNoErr(t, err)
	if n != 3 {
		t.Fatalf("RekeyStates moved %d, want 3", n)
	}
	for _, want := range []bot.State{draft, group} {
		if _, err := s.GetState(ctx, want.ChatID, want.Kind); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("the state of chat %d is still under the plain ID: %v", want.ChatID, err)
		}
		got, err := s.GetState(ctx, key(want.ChatID), want.Kind)
		botNoErr(t, err)
		if !bot.IsPseudonym(got.ChatID) || !sameJSON(t, got.Data, want.Data) ||
			!sameTime(got.Updated, want.Updated) || !sameTime(got.Expires, want.Expires) {
			t.Errorf("moved state %+v (%s), want %+v (%s) under %d", got, got.Data, want, want.Data, key(want.ChatID))
		}
	}
	got, err := s.GetState(ctx, key(5), "qa.note")
	botNoErr(t, err)
	if !sameJSON(t, got.Data, already.Data) {
		t.Errorf("the state already under the pseudonym became %s", got.Data)
	}
	if _, err := s.GetState(ctx, 5, "qa.note"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("the dropped state is still there: %v", err)
	}
	if _, err := s.GetState(ctx, 0, "telegram.offset.1"); err != nil {
		t.Errorf("chat 0's state moved: %v", err)
	}
	if n, err := rk.RekeyStates(ctx, key); err != nil || n != 0 {
		t.Errorf("a second run moved %d (%v)", n, err)
	}
}

func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	botNoErr(t, json.Unmarshal(a, &x))
	botNoErr(t, json.Unmarshal(b, &y))
	return reflect.DeepEqual(x, y)
}

func testBotQuestions(t *testing.T, s BotStore) {
	ctx := context.Background()
	if _, err := s.GetQuestion(ctx, 1); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("GetQuestion of nothing: %v", err)
	}
	q := &bot.Question{ID: 999, ChatID: -100, UserID: 7, Text: "上班可以吃东西吗？", Answer: "不可以。……", Verdict: "forbidden",
		Clauses: []string{"1.3.3", "1.3.2"}, VersionID: 3, Asked: botT0}
	id, err := s.LogQuestion(ctx, q)
	botNoErr(t, err)
	if id <= 0 {
		t.Fatalf("LogQuestion returned ID %d", id)
	}
	id2, err := s.LogQuestion(ctx, &bot.Question{ChatID: 1, UserID: 1, Text: "食堂几点开饭", Verdict: "none", Abstained: true, Asked: botT0})
	botNoErr(t, err)
	if id2 == id {
		t.Fatal("two questions got one ID")
	}
	got, err := s.GetQuestion(ctx, id)
	botNoErr(t, err)
	want := *q
	want.ID = id
	got.Asked = got.Asked.UTC()
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("GetQuestion %+v, want %+v", *got, want)
	}
	got, err = s.GetQuestion(ctx, id2)
	botNoErr(t, err)
	if got.Clauses == nil {
		got.Clauses = []string{}
	}
	if !got.Abstained || len(got.Clauses) != 0 {
		t.Fatalf("abstained question %+v", got)
	}
	if err := s.PutFeedback(ctx, bot.Feedback{QuestionID: id + id2 + 100, UserID: 1, Helpful: true, Rated: botT0}); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("feedback on an unknown question: %v", err)
	}
}

func testBotGaps(t *testing.T, s BotStore) {
	ctx := context.Background()
	since := botT0.Add(-30 * 24 * time.Hour)
	ask := func(text string, abstained bool, at time.Time, clauses ...string) int64 {
		id, err := s.LogQuestion(ctx, &bot.Question{ChatID: 1, UserID: 1, Text: text, Abstained: abstained, Clauses: clauses, Asked: at})
		botNoErr(t, err)
		return id
	}
	rate := func(q, user int64, helpful bool, reason bot.Reason, note string) {
		botNoErr(t, s.PutFeedback(ctx, bot.Feedback{QuestionID: q, UserID: user, Helpful: helpful, Reason: reason, Note: note, Rated: botT0}))
	}
	old := ask("很久以前的问题", true, since.Add(-time.Second))
	u1 := ask("食堂几点开饭", true, since)
	ask("上班可以吃东西吗", false, botT0, "1.3.3")
	u2 := ask("停车场在哪里", true, botT0)
	slippers := ask("可以穿拖鞋吗", false, botT0, "1.3.2")
	phone := ask("可以玩手机吗", false, botT0, "1.3.3")
	liked := ask("接电话说什么", false, botT0, "1.2.6")
	oldRated := ask("旧的差评", false, since.Add(-time.Hour), "1.1.1")

	unc, err := s.UncoveredQuestions(ctx, since, 10)
	botNoErr(t, err)
	var ids []int64
	for _, q := range unc {
		ids = append(ids, q.ID)
	}
	if want := []int64{u2, u1}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("UncoveredQuestions %v, want %v (newest first, none before since, %d excluded)", ids, want, old)
	}
	unc, err = s.UncoveredQuestions(ctx, since, 1)
	botNoErr(t, err)
	if len(unc) != 1 || unc[0].ID != u2 {
		t.Fatalf("UncoveredQuestions limit 1: %+v", unc)
	}

	rate(slippers, 1, false, bot.ReasonOther, "只说了大厅")
	rate(slippers, 2, false, bot.ReasonWrongRule, "")
	rate(slippers, 3, true, bot.ReasonNone, "")
	rate(slippers, 4, false, bot.ReasonNone, "") // 👎 without a reason yet
	rate(phone, 1, true, bot.ReasonNone, "")
	rate(phone, 1, false, bot.ReasonOffTopic, "") // the same user changes their mind: replaced
	rate(liked, 1, true, bot.ReasonNone, "")
	rate(oldRated, 1, false, bot.ReasonOffTopic, "")

	rated, err := s.DownRated(ctx, since, 10)
	botNoErr(t, err)
	if len(rated) != 2 {
		t.Fatalf("DownRated returned %d questions, want 2: %+v", len(rated), rated)
	}
	r0, r1 := rated[0], rated[1]
	if r0.ID != slippers || r0.Up != 1 || r0.Down != 3 || r0.Text != "可以穿拖鞋吗" ||
		!reflect.DeepEqual(r0.Reasons, []bot.Reason{bot.ReasonOther, bot.ReasonWrongRule}) ||
		!reflect.DeepEqual(r0.Notes, []string{"只说了大厅"}) || !reflect.DeepEqual(r0.Clauses, []string{"1.3.2"}) {
		t.Fatalf("worst rated %+v", r0)
	}
	if r1.ID != phone || r1.Up != 0 || r1.Down != 1 || !reflect.DeepEqual(r1.Reasons, []bot.Reason{bot.ReasonOffTopic}) || len(r1.Notes) != 0 {
		t.Fatalf("second rated %+v", r1)
	}
	rated, err = s.DownRated(ctx, since, 1)
	botNoErr(t, err)
	if len(rated) != 1 || rated[0].ID != slippers {
		t.Fatalf("DownRated limit 1: %+v", rated)
	}
}

func testBotConcurrent(t *testing.T, s BotStore) {
	ctx := context.Background()
	q, err := s.LogQuestion(ctx, &bot.Question{ChatID: 1, UserID: 1, Text: "并发", Asked: botT0})
	botNoErr(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := int64(100 + i%4)
			for j := range 4 {
				now := botT0.Add(time.Duration(j) * time.Hour)
				if _, err := s.SeeUser(ctx, bot.Identity{ID: id, Username: fmt.Sprint("c", id)}, now); err != nil {
					errs <- err
				}
				if _, err := s.SetRole(ctx, id, bot.Supervisor, j%2 == 0, 1, now); err != nil {
					errs <- err
				}
				if err := s.PutState(ctx, bot.State{ChatID: id, Kind: "k", Data: json.RawMessage(`{}`), Updated: now}); err != nil {
					errs <- err
				}
				if err := s.PutFeedback(ctx, bot.Feedback{QuestionID: q, UserID: id, Helpful: j%2 == 0, Rated: now}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	us, err := s.ListUsers(ctx, 100)
	botNoErr(t, err)
	if len(us) != 4 {
		t.Fatalf("%d users after concurrent upserts, want 4", len(us))
	}
}

func botNoErr(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
