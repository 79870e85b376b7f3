package postgres

import (
	"testing"

	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

func TestDailyRuns(t *testing.T) {
	storetest.TestDaily(t, func(tb testing.TB) workday.Claims { return openDB(tb) })
}
