package remind_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/remind"
)

// BenchmarkBroadcast10k sends one working day's reminder to 10,000 subscribers through the Bot API stand-in,
// driving the real go-telegram/bot client over HTTP, on the real stores.
//
//   - paced: the default pacing (25 messages a second) on the fake clock; paced-s is the virtual time the
//     broadcast takes (10,000 / 25 = 400 s is the bound), the ns/op its real cost. SQLite in memory.
//   - unpaced: no pacing; msgs/s is the raw throughput of scheduler, store and client together, on SQLite in
//     memory (one connection), SQLite in a file, and PostgreSQL when TEST_DATABASE_URL is set.
//
// Each run checks that every subscriber got exactly one message (dups and lost are reported, and must be 0).
// B/op and allocs/op (-benchmem) include the stand-in's side of the HTTP exchange; heap-MB is the live heap
// after the broadcast, stand-in included.
func BenchmarkBroadcast10k(b *testing.B) {
	unpaced := remind.Pacing{PerSecond: -1, PerChat: -1}
	for _, c := range []struct {
		name   string
		pacing remind.Pacing
		open   func(testing.TB) remindStore
	}{
		{"paced-sqlite-memory", remind.Pacing{}, openSQLiteMemoryTB},
		{"unpaced-sqlite-memory", unpaced, openSQLiteMemoryTB},
		{"unpaced-sqlite-file", unpaced, openSQLiteFor},
		{"unpaced-postgres", unpaced, openPostgresFor},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchBroadcast(b, 10000, c.pacing, c.open)
		})
	}
}

func benchBroadcast(b *testing.B, n int, pacing remind.Pacing, open func(testing.TB) remindStore) {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(100000 + i)
	}
	start := at("2026-11-02 08:30")
	var virtual time.Duration
	var wall time.Duration
	dups, lost := 0, 0
	var heap uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := testkit.NewAPIServer(testkit.WithoutCallLog())
		// The stand-in keeps no messages without its call log: count each chat's sendMessage calls as they come.
		var mu sync.Mutex
		perChat := make([]int32, n)
		srv.OnCall(func(c testkit.Call) {
			if c.Method != "sendMessage" || !c.OK() {
				return
			}
			id, err := strconv.ParseInt(c.Params["chat_id"], 10, 64)
			if err != nil || id < ids[0] || id > ids[n-1] {
				b.Errorf("sendMessage to chat %q", c.Params["chat_id"])
				return
			}
			mu.Lock()
			perChat[id-ids[0]]++
			mu.Unlock()
		})
		store := open(b)
		e := newEnvOn(b, store, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
			sender, err := telegram.NewBroadcastSender(srv.Token, srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			so.Sender = sender
			so.Pacing = pacing
			so.Workers = 16
			so.Batch = 200
		})
		subs := make([]remind.Subscription, 0, n)
		for _, id := range ids {
			subs = append(subs, remind.Subscription{ChatID: id, Minute: remind.DefaultMinute, Enabled: true, Updated: start})
		}
		for _, s := range subs {
			if err := store.PutSubscription(context.Background(), s); err != nil {
				b.Fatal(err)
			}
		}
		e.clock.Set(start)
		b.StartTimer()
		t0 := time.Now()
		r, err := e.sched.RunOnce(context.Background())
		wall += time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		virtual += e.clock.Now().Sub(start)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap = ms.HeapInuse
		srv.Close() // waits for the stand-in's handlers, and so for their observers
		for _, got := range perChat {
			switch {
			case got == 0:
				lost++
			case got > 1:
				dups += int(got) - 1
			}
		}
		if r.Sent != n {
			b.Fatalf("sent %d of %d: %+v", r.Sent, n, r)
		}
		b.StartTimer()
	}
	b.ReportMetric(virtual.Seconds()/float64(b.N), "paced-s/op")
	b.ReportMetric(float64(n*b.N)/wall.Seconds(), "msgs/s")
	b.ReportMetric(float64(dups), "dups")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	if dups != 0 || lost != 0 {
		b.Fatalf("%d duplicates, %d lost", dups, lost)
	}
}

func openSQLiteMemoryTB(tb testing.TB) remindStore { return testkit.SQLite(tb) }

// BenchmarkSchedulerOnly10k is the same broadcast without HTTP (the Recorder takes every message): the
// scheduler's and the store's own cost (SQLite in memory), to set against the stand-in's share of the figures
// above.
func BenchmarkSchedulerOnly10k(b *testing.B) {
	const n = 10000
	start := at("2026-11-02 08:30")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, at("2026-11-02 06:00"), func(_ *remind.Config, so *remind.SchedulerOptions) {
			so.Pacing, so.Workers, so.Batch = remind.Pacing{PerSecond: -1, PerChat: -1}, 16, 200
		})
		for id := int64(1); id <= n; id++ {
			if err := e.store.PutSubscription(context.Background(), remind.Subscription{ChatID: id,
				Minute: remind.DefaultMinute, Enabled: true, Updated: start}); err != nil {
				b.Fatal(err)
			}
		}
		e.clock.Set(start)
		b.StartTimer()
		r, err := e.sched.RunOnce(context.Background())
		b.StopTimer()
		if err != nil || r.Sent != n {
			b.Fatalf("%+v %v", r, err)
		}
		for id, c := range e.rec.PerChat() {
			if c != 1 {
				b.Fatalf("chat %d got %d", id, c)
			}
		}
		b.StartTimer()
	}
}
