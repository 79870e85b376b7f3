package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/bot/telegram"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/sqlite"
)

var benchQuestions = []string{
	"上班时间可以在窗口吃东西吗", "工作时可以穿拖鞋吗", "接电话第一句应该说什么", "窗口可以放个人物品吗",
	"可以玩手机吗", "群众找错窗口怎么办", "可以在窗口带小孩吗", "食堂几点开饭", "男同事可以留胡子吗",
	"服务对象提意见时怎么办",
}

// benchBot runs the real bot — offline engine, the Telegram adapter, the SQLite store in a file ("sqlite-file")
// or in memory ("sqlite-memory", one connection) — against a stand-in that keeps no call log. The engine is
// wired on the same store, as serve does. It returns the stand-in and a stop function.
func benchBot(b *testing.B, store string) (*testkit.API, func()) {
	b.Helper()
	api := testkit.NewAPI(b, testkit.WithoutCallLog())
	var st *sqlite.DB
	switch store {
	case "sqlite-file":
		st = testkit.SQLiteFile(b, filepath.Join(b.TempDir(), "bench.db"))
	case "sqlite-memory":
		st = testkit.SQLite(b)
	default:
		b.Fatalf("no store %q", store)
	}
	eng := testkit.Engine(b, st)
	rt, err := bot.New(bot.Config{Users: st, States: st})
	if err != nil {
		b.Fatal(err)
	}
	if err := qa.Register(rt, qa.Config{Asker: eng, Code: eng, QA: st, QuestionsPerMinute: 1 << 30}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb, err := telegram.New(ctx, telegram.Options{Token: api.Token, ServerURL: api.URL, Router: rt, States: st,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { tb.Run(ctx); close(done) }()
	return api, func() {
		cancel()
		<-done
	}
}

var benchStores = []string{"sqlite-memory", "sqlite-file"}

// questionUpdates builds n questions from n/10+1 users, each in their private chat, with update IDs in order.
func questionUpdates(api *testkit.API, n int) []models.Update {
	us := make([]models.Update, n)
	for i := range n {
		u := testkit.User(int64(100000+i%(n/10+1)), "", fmt.Sprint("用户", i))
		us[i] = api.Text(testkit.Private(u), u, benchQuestions[i%len(benchQuestions)])
	}
	return us
}

// BenchmarkThroughput measures questions answered per second through the stand-in (getUpdates → router →
// engine → question log → sendMessage), all queued at once, from n/10 users.
func BenchmarkThroughput(b *testing.B) {
	for _, store := range benchStores {
		b.Run(store, func(b *testing.B) {
			api, stop := benchBot(b, store)
			defer stop()
			ctx := context.Background()
			warm := questionUpdates(api, 10)
			api.Push(warm...)
			if err := api.WaitCountN(ctx, "sendMessage", len(warm)); err != nil {
				b.Fatal(err)
			}
			base := api.Count("sendMessage")
			us := questionUpdates(api, b.N)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < len(us); i += 100 {
				api.Push(us[i:min(i+100, len(us))]...)
			}
			if err := api.WaitCountN(ctx, "sendMessage", base+b.N); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
		})
	}
}

// BenchmarkLatency measures the time from an update being queued at the stand-in to its answer's sendMessage,
// one question at a time.
func BenchmarkLatency(b *testing.B) {
	for _, store := range benchStores {
		b.Run(store, func(b *testing.B) {
			api, stop := benchBot(b, store)
			defer stop()
			ctx := context.Background()
			var mu sync.Mutex
			var pushed time.Time
			lat := make([]time.Duration, 0, b.N)
			api.OnCall(func(c testkit.Call) {
				if c.Method == "sendMessage" && c.OK() {
					mu.Lock()
					lat = append(lat, c.Time.Sub(pushed))
					mu.Unlock()
				}
			})
			us := questionUpdates(api, b.N+10)
			for i, u := range us {
				if i == 10 { // after a warm-up
					b.ResetTimer()
					mu.Lock()
					lat = lat[:0]
					mu.Unlock()
				}
				mu.Lock()
				pushed = time.Now()
				mu.Unlock()
				api.Push(u)
				if err := api.WaitCountN(ctx, "sendMessage", i+1); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkMemory reports the heap in use by the running bot on SQLite (and the in-process stand-in, which
// keeps no call log) at idle and after 10,000 questions from 1,001 users, after a garbage collection each time.
// Run it with -benchtime 1x.
func BenchmarkMemory(b *testing.B) {
	for range b.N {
		api, stop := benchBot(b, "sqlite-file")
		idle := heapInUse()
		us := questionUpdates(api, 10000)
		for i := 0; i < len(us); i += 100 {
			api.Push(us[i:min(i+100, len(us))]...)
		}
		if err := api.WaitCountN(context.Background(), "sendMessage", len(us)); err != nil {
			b.Fatal(err)
		}
		after := heapInUse()
		stop()
		b.ReportMetric(float64(idle)/(1<<20), "MB-idle")
		b.ReportMetric(float64(after)/(1<<20), "MB-after-10k")
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkUsers20 measures the bot on a SQLite file under 20 concurrent users, each asking a question and,
// once the answer arrived, the next after a pause (think): updates/s in all, and the time from a question being
// queued at the stand-in to its answer's sendMessage (p50, p99). With think=0 (a closed loop: every user always
// waiting) the bot is saturated, and the mean latency is 20 ÷ updates/s whatever the order it serves them in;
// with think=100ms (a mean: exponentially distributed) the 20 users offer at most 200 questions a second — as
// people at 20 windows do, far fewer.
func BenchmarkUsers20(b *testing.B) {
	for _, think := range []time.Duration{0, 100 * time.Millisecond} {
		b.Run(fmt.Sprint("think=", think), func(b *testing.B) { benchUsers(b, 20, think) })
	}
}

func benchUsers(b *testing.B, users int, think time.Duration) {
	api, stop := benchBot(b, "sqlite-file")
	defer stop()
	answered := make(map[int64]chan time.Time, users)
	for i := range users {
		answered[int64(200000+i)] = make(chan time.Time, 1)
	}
	api.OnCall(func(c testkit.Call) {
		if c.Method == "sendMessage" && c.OK() {
			if ch, ok := answered[c.ChatID()]; ok {
				ch <- c.Time
			}
		}
	})
	ask := func(u models.User, n int) []time.Duration {
		lat := make([]time.Duration, 0, n)
		for i := range n {
			if i > 0 && think > 0 {
				// Exponentially distributed pauses, as independent people make: a fixed pause would keep the
				// users who were answered together asking together, in waves.
				time.Sleep(time.Duration(rand.ExpFloat64() * float64(think)))
			}
			start := time.Now()
			up := api.Text(testkit.Private(u), u, benchQuestions[(int(u.ID)+i)%len(benchQuestions)])
			// Push numbers it as it queues it, as Telegram does: an ID taken before another user's pushed later
			// would fall below the offset the bot already confirmed, and never be delivered.
			up.ID = 0
			api.Push(up)
			select {
			case end := <-answered[u.ID]:
				lat = append(lat, end.Sub(start))
			case <-time.After(time.Minute):
				b.Errorf("user %d: no answer within a minute", u.ID)
				return lat
			}
		}
		return lat
	}
	run := func(total int) []time.Duration {
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			all = make([]time.Duration, 0, total)
		)
		for i := range users {
			n := total / users
			if i < total%users {
				n++
			}
			wg.Go(func() {
				u := testkit.User(int64(200000+i), "", fmt.Sprint("用户", i))
				lat := ask(u, n)
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			})
		}
		wg.Wait()
		return all
	}
	run(users) // warm-up: every user known, the engine's caches filled
	b.ResetTimer()
	start := time.Now()
	lat := run(b.N)
	el := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		b.Fatal("no answers")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/el.Seconds(), "updates/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
