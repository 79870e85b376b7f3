package postgres

import (
	"testing"

	"github.com/conductbot/conductbot/storetest"
)

func TestBotStore(t *testing.T) {
	storetest.TestBot(t, func(tb testing.TB) storetest.BotStore { return openDB(tb) })
}
