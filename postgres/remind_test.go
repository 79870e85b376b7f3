package postgres

import (
	"testing"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/storetest"
)

func TestRemindStore(t *testing.T) {
	storetest.TestRemind(t, func(tb testing.TB) remind.Store { return openDB(tb) })
}
