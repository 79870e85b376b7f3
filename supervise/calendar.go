package supervise

import (
	"context"

	"github.com/conductbot/conductbot/workday"
)

// DefaultRectifyDays is the default time to rectify: 5 working days.
const DefaultRectifyDays = 5

// CalendarSource gives the working-day calendar of China in force: the shipped years with the ones admins
// stored over them (remind.Reminders implements it). Deadlines are counted on it.
type CalendarSource interface {
	Calendar(ctx context.Context) (*workday.Calendar, error)
}
