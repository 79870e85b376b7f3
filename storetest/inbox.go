package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
)

// TestInbox is the contract of bot.UpdateInbox: an update is stored once, however often it is put (one
// instance or several at once, waiting or handled); a claim leases to one owner the rows it holds or whose
// lease ran out, in ID order; a handled row is gone, its ID still known; the IDs kept are bounded.
func TestInbox(t *testing.T, open func(tb testing.TB) bot.UpdateInbox) {
	ctx := context.Background()
	s := open(t)
	const botID, other = 123456789, 987654321
	t0 := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	lease := t0.Add(5 * time.Minute)
	upd := func(id int64) bot.RawUpdate {
		return bot.RawUpdate{ID: id, Data: json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"text":"上班可以吃东西吗 %d"}}`, id, id))}
	}
	put := func(owner string, ids ...int64) []int64 {
		t.Helper()
		var us []bot.RawUpdate
		for _, id := range ids {
			us = append(us, upd(id))
		}
		fresh, err := s.PutUpdates(ctx, botID, owner, lease, us)
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	claim := func(owner string, now time.Time, after int64, limit int) []int64 {
		t.Helper()
		us, err := s.ClaimUpdates(ctx, botID, owner, now, now.Add(5*time.Minute), after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, u := range us {
			if want := upd(u.ID).Data; string(u.Data) != string(want) {
				t.Errorf("update %d reads %s, want %s", u.ID, u.Data, want)
			}
			ids = append(ids, u.ID)
		}
		return ids
	}

	if fresh := put("a", 12, 10, 11); !slices.Equal(fresh, []int64{12, 10, 11}) {
		t.Fatalf("first put: fresh %v", fresh)
	}
	if fresh := put("a", 11, 13, 13, 12); !slices.Equal(fresh, []int64{13}) {
		t.Fatalf("redelivery: fresh %v, want [13]", fresh)
	}
	if fresh, err := s.PutUpdates(ctx, botID, "a", lease, nil); err != nil || len(fresh) != 0 {
		t.Fatalf("empty put: %v %v", fresh, err)
	}
	// The owner claims its rows (after a restart) at once, in ID order, page by page.
	if got := claim("a", t0, 0, 100); !slices.Equal(got, []int64{10, 11, 12, 13}) {
		t.Fatalf("owner's claim %v", got)
	}
	if got := claim("a", t0, 10, 2); !slices.Equal(got, []int64{11, 12}) {
		t.Fatalf("page after 10 of 2: %v", got)
	}
	// Another instance gets nothing while the lease lasts, everything once it ran out; then the first owner
	// gets nothing until the new lease ran out.
	if got := claim("b", t0.Add(time.Minute), 0, 100); len(got) != 0 {
		t.Fatalf("another owner during the lease: %v", got)
	}
	if got := claim("b", t0.Add(6*time.Minute), 0, 100); !slices.Equal(got, []int64{10, 11, 12, 13}) {
		t.Fatalf("another owner after the lease: %v", got)
	}
	if got := claim("a", t0.Add(7*time.Minute), 0, 100); len(got) != 0 {
		t.Fatalf("the old owner after a takeover: %v", got)
	}
	// Handled: gone, and a redelivery is not stored again.
	for _, id := range []int64{10, 12} {
		if err := s.DoneUpdate(ctx, botID, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DoneUpdate(ctx, botID, 99); err != nil {
		t.Fatalf("done of an unknown update: %v", err)
	}
	if got := claim("b", t0.Add(7*time.Minute), 0, 100); !slices.Equal(got, []int64{11, 13}) {
		t.Fatalf("after done: %v", got)
	}
	if fresh := put("a", 10, 12, 14); !slices.Equal(fresh, []int64{14}) {
		t.Fatalf("handled ones redelivered: fresh %v, want [14]", fresh)
	}
	// Another bot's updates are apart.
	if fresh, err := s.PutUpdates(ctx, other, "a", lease, []bot.RawUpdate{upd(10)}); err != nil || !slices.Equal(fresh, []int64{10}) {
		t.Fatalf("another bot: %v %v", fresh, err)
	}
	if us, err := s.ClaimUpdates(ctx, other, "a", t0, lease, 0, 100); err != nil || len(us) != 1 {
		t.Fatalf("another bot's claim: %v %v", us, err)
	}

	// Eight instances receive the same update at once: one stores it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fresh, err := s.PutUpdates(ctx, botID, fmt.Sprint("i", i), lease, []bot.RawUpdate{upd(500)})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			stored += len(fresh)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if stored != 1 {
		t.Fatalf("update stored %d times by concurrent instances", stored)
	}
}

// TestInboxBounded checks that the IDs kept for recognising redeliveries are bounded: after more than 10,000
// further updates, the oldest handled one is forgotten.
func TestInboxBounded(t *testing.T, open func(tb testing.TB) bot.UpdateInbox) {
	ctx := context.Background()
	s := open(t)
	lease := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
	one := func(id int64) []bot.RawUpdate { return []bot.RawUpdate{{ID: id, Data: json.RawMessage(`{}`)}} }
	if _, err := s.PutUpdates(ctx, 1, "a", lease, one(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.DoneUpdate(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	const n = 10100
	for start := int64(2); start < n+2; start += 1000 {
		var us []bot.RawUpdate
		for id := start; id < min(start+1000, n+2); id++ {
			us = append(us, bot.RawUpdate{ID: id, Data: json.RawMessage(`{}`)})
		}
		fresh, err := s.PutUpdates(ctx, 1, "a", lease, us)
		if err != nil || len(fresh) != len(us) {
			t.Fatalf("put %d: %d fresh, %v", start, len(fresh), err)
		}
	}
	if fresh, err := s.PutUpdates(ctx, 1, "a", lease, one(1)); err != nil || len(fresh) != 1 {
		t.Fatalf("the oldest ID is still kept after %d more: fresh %v, %v", n, fresh, err)
	}
	if fresh, err := s.PutUpdates(ctx, 1, "a", lease, one(n)); err != nil || len(fresh) != 0 {
		t.Fatalf("a recent ID was forgotten: fresh %v, %v", fresh, err)
	}
}
