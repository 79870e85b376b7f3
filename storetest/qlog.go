package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// ReopenBot returns a fresh, empty BotStore for tb, and a function opening the same database once more — as a
// process started after a crash of the first would — while the first stays open, never flushed nor closed.
type ReopenBot func(tb testing.TB) (BotStore, func(tb testing.TB) BotStore)

// TestQuestionLog is the contract of the question log's group commit (issue 15): concurrent LogQuestion calls
// each get their own row, whole and with its own ID, and a call that returned has its row committed — another
// handle on the database, opened after it returned while the first never flushed, finds it.
func TestQuestionLog(t *testing.T, open ReopenBot) {
	t.Run("Concurrent", func(t *testing.T) {
		s, _ := open(t)
		testQuestionLogConcurrent(t, s)
	})
	t.Run("Durable", func(t *testing.T) { testQuestionLogDurable(t, open) })
}

// loggedQuestion is the question goroutine g logs as its i-th.
func loggedQuestion(g, i int) *bot.Question {
	return &bot.Question{ChatID: int64(1000 + g), UserID: int64(1000 + g), Text: fmt.Sprintf("问题 %d-%d", g, i),
		Answer: fmt.Sprintf("回答 %d-%d", g, i), Verdict: "allowed", Clauses: []string{fmt.Sprintf("1.%d.%d", g, i)},
		VersionID: 1, Asked: botT0.Add(time.Duration(g*100+i) * time.Second)}
}

// logConcurrently has goroutines goroutines log perG questions each at once and returns the IDs by goroutine.
func logConcurrently(t *testing.T, s BotStore, goroutines, perG int) [][]int64 {
	t.Helper()
	ctx := context.Background()
	ids := make([][]int64, goroutines)
	errs := make(chan error, goroutines*perG)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				id, err := s.LogQuestion(ctx, loggedQuestion(g, i))
				if err != nil {
					errs <- err
					return
				}
				ids[g] = append(ids[g], id)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent LogQuestion: %v", err)
	}
	return ids
}

// checkLogged fails unless every question of ids reads back as logged under its own ID.
func checkLogged(t *testing.T, s BotStore, ids [][]int64) {
	t.Helper()
	seen := map[int64]bool{}
	for g, gids := range ids {
		for i, id := range gids {
			if id <= 0 || seen[id] {
				t.Fatalf("question %d-%d got ID %d, zero or given twice", g, i, id)
			}
			seen[id] = true
			got, err := s.GetQuestion(context.Background(), id)
			if err != nil {
				t.Fatalf("question %d-%d (ID %d) not found: %v", g, i, id, err)
			}
			want := loggedQuestion(g, i)
			if got.Text != want.Text || got.Answer != want.Answer || got.ChatID != want.ChatID ||
				len(got.Clauses) != 1 || got.Clauses[0] != want.Clauses[0] || !got.Asked.Equal(want.Asked) {
				t.Fatalf("ID %d holds %+v, want question %d-%d %+v", id, got, g, i, want)
			}
		}
	}
}

func testQuestionLogConcurrent(t *testing.T, s BotStore) {
	const goroutines, perG = 16, 8
	ids := logConcurrently(t, s, goroutines, perG)
	checkLogged(t, s, ids)
	n := 0
	for _, gids := range ids {
		n += len(gids)
	}
	if n != goroutines*perG {
		t.Fatalf("%d questions logged, want %d", n, goroutines*perG)
	}
}

func testQuestionLogDurable(t *testing.T, open ReopenBot) {
	s, reopen := open(t)
	ids := logConcurrently(t, s, 8, 4)
	// Whatever the first handle keeps in memory stays there: only what was committed is seen from the second.
	checkLogged(t, reopen(t), ids)
}
