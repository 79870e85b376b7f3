package postgres

import (
	"context"
	"testing"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/storetest"
)

func TestInbox(t *testing.T) {
	storetest.TestInbox(t, func(tb testing.TB) bot.UpdateInbox { return openDB(tb) })
}

func TestInboxBounded(t *testing.T) {
	storetest.TestInboxBounded(t, func(tb testing.TB) bot.UpdateInbox { return openDB(tb) })
}

func TestPing(t *testing.T) {
	db := openDB(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping passed on a cancelled context")
	}
}
