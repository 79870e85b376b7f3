package memstore_test

import (
	"testing"

	"github.com/conductbot/conductbot/bot/memstore"
	"github.com/conductbot/conductbot/storetest"
)

func TestContract(t *testing.T) {
	storetest.TestBot(t, func(testing.TB) storetest.BotStore { return memstore.New() })
}
