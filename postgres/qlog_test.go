package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/conductbot/conductbot/postgres/pgtest"
	"github.com/conductbot/conductbot/storetest"
)

func TestQuestionLog(t *testing.T) {
	storetest.TestQuestionLog(t, func(tb testing.TB) (storetest.BotStore, func(testing.TB) storetest.BotStore) {
		url := pgtest.URL(tb)
		openURL := func(tb testing.TB) storetest.BotStore {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := Open(ctx, url, testLogger(tb))
			if err != nil {
				tb.Fatalf("Open: %v", err)
			}
			tb.Cleanup(db.Close)
			return db
		}
		return openURL(tb), openURL
	})
}
