package remind_test

import (
	"testing"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/remind/remindtest"
	"github.com/conductbot/conductbot/storetest"
)

// The in-memory store the other tests use keeps the same contract as the real ones.
func TestMemStoreContract(t *testing.T) {
	storetest.TestRemind(t, func(testing.TB) remind.Store { return remindtest.NewMemStore() })
}
