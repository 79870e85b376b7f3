package qa

import (
	"context"

	"github.com/conductbot/conductbot/bot"
)

// gapRows is how many questions /gaps reads from each list.
const gapRows = 5000

func (f *features) gaps(ctx context.Context, r *bot.Request) error {
	g, err := FindGaps(ctx, f.QA, r.Now(), gapRows)
	if err != nil {
		return err
	}
	var rows [][]bot.Button
	if f.Lessons != nil && f.Learner != nil {
		rows = gapButtons(g)
	}
	_, err = r.Reply(ctx, g.Format(10), rows...)
	return err
}
