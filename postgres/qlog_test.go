package postgres

import (
	"testing"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/storetest"
)

func TestQuestionLog(t *testing.T) {
	storetest.TestQuestionLog(t, func(tb testing.TB) (storetest.BotStore, func(testing.TB) storetest.BotStore) {
		url := testkit.PostgresURL(tb)
		return openURL(tb, url), func(tb testing.TB) storetest.BotStore { return openURL(tb, url) }
	})
}
