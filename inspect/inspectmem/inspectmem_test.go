package inspectmem_test

import (
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/inspect/inspectmem"
	"github.com/conductbot/conductbot/storetest"
)

func TestStore(t *testing.T) {
	storetest.TestReports(t, func(testing.TB) inspect.Store { return inspectmem.New() })
}
