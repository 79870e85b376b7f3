package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/storetest"
)

func TestInbox(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		storetest.TestInbox(t, func(tb testing.TB) bot.UpdateInbox { return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db")) })
	})
	t.Run("Memory", func(t *testing.T) {
		storetest.TestInbox(t, func(tb testing.TB) bot.UpdateInbox { return openPath(tb, Memory) })
	})
	t.Run("Bounded", func(t *testing.T) {
		storetest.TestInboxBounded(t, func(tb testing.TB) bot.UpdateInbox { return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db")) })
	})
}

// TestPingLocked: Ping fails, within its context, while another connection holds the write lock, and passes
// once it is let go.
func TestPingLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "conductbot.db")
	db := openPath(t, path)
	ctx := context.Background()
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	start := time.Now()
	err = db.Ping(pctx)
	cancel()
	if err == nil {
		t.Fatal("Ping passed while the database was locked")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Ping took %v, its context allowed 300ms", d)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("after the lock was let go: %v", err)
	}
}
