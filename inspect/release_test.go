package inspect_test

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

func TestParseRelease(t *testing.T) {
	for in, want := range map[string]inspect.Release{
		"":          inspect.DefaultRelease,
		"18:00":     {Set: true, Hour: 18},
		"immediate": {Immediate: true},
		"Immediate": {Immediate: true},
		"0":         {Immediate: true},
	} {
		got, err := inspect.ParseRelease(in)
		if err != nil || got != want {
			t.Errorf("ParseRelease(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if inspect.DefaultRelease.String() != "17:30" {
		t.Errorf("the default release is %s, want 17:30", inspect.DefaultRelease)
	}
	if _, err := inspect.ParseRelease("25:00"); err == nil {
		t.Error("25:00 taken")
	}
}

var releasedNo = regexp.MustCompile(`^sv:o:([a-z2-7]{16})$`)

// TestReleaseByDefault: with no release configured, a filed report is not announced when it is filed, but at
// 17:30 with the others of the day, in a shuffled order; immediate release is only what an admin asks for.
func TestReleaseByDefault(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.users.SetRole(ctx, supervisor.ID, bot.Supervisor, true, adminUser.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	jobs := e.svc.DailyJobs(e.out)
	if len(jobs) != 1 || jobs[0].At != 17*60+30 || jobs[0].Days != workday.EveryDay {
		t.Fatalf("daily jobs by default: %+v, want the release at 17:30 every day", jobs)
	}
	immediate, err := inspect.New(inspect.Options{Store: e.store, Code: testenvCode(t, e), Release: inspect.Release{Immediate: true},
		SealKey: testSealKey})
	if err != nil {
		t.Fatal(err)
	}
	if jobs := immediate.DailyJobs(e.out); len(jobs) != 0 {
		t.Errorf("immediate release has daily jobs: %+v", jobs)
	}

	loopCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(loopCtx, e.out) }()
	defer func() { stop(); <-done }()

	e.seedWindows()
	e.join(inspUser)
	e.fileReport(inspUser, nil) // kicks the loop
	f := storetest.NewReportFixture(t, e.store, 3)
	for i := range 10 {
		if err := e.store.FileReport(ctx, f.NewReport(i, workday.MustDate("2026-11-02"), inspect.Morning), inspect.NewDraftID()); err != nil {
			t.Fatal(err)
		}
		e.svc.Notifier().Kick()
	}
	// However long one waits, nothing goes out before the release: the notification does not tell when a
	// report was filed.
	time.Sleep(300 * time.Millisecond)
	if got := e.out.to(supervisor.ID); len(got) != 0 {
		t.Fatalf("%d notifications before the release", len(got))
	}
	filed, err := e.store.PendingNotifications(ctx, 0) // by ID
	if err != nil || len(filed) != 11 {
		t.Fatalf("outbox %d %v", len(filed), err)
	}

	e.clock.Set(time.Date(2026, 11, 3, 17, 30, 0, 0, e.clock.Now().Location()))
	if err := jobs[0].Run(ctx, workday.DateOf(e.clock.Now(), nil)); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range e.out.to(supervisor.ID) {
		for _, row := range m.Buttons {
			for _, b := range row {
				if sm := releasedNo.FindStringSubmatch(b.Data); sm != nil {
					order = append(order, sm[1])
				}
			}
		}
	}
	if len(order) != 11 {
		t.Fatalf("%d notifications at the release, want 11", len(order))
	}
	sorted := slices.Clone(order)
	slices.Sort(sorted)
	if !slices.Equal(sorted, filed) {
		t.Fatalf("released %v, want %v", sorted, filed)
	}
	if slices.Equal(order, filed) {
		t.Errorf("the release went out in the order of the report IDs (the store's order), not shuffled")
	}
}

// testenvCode is the env's code source (the engine on its store).
func testenvCode(t *testing.T, e *env) qa.CodeSource {
	t.Helper()
	c, ok := e.store.(qa.CodeSource)
	if !ok {
		t.Fatalf("%T is no code source", e.store)
	}
	return c
}
