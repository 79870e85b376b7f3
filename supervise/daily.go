package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/workday"
)

// DailyJobs are supervision's daily work, for the program's one workday.Daily runner: at RemindAt on working
// days, overdue rectifications are re-notified through out (RemindOverdue). The runner claims each day's run
// in the store, so instances sharing it send it once.
func (s *Service) DailyJobs(out bot.Transport) []workday.Job {
	return []workday.Job{{Name: "supervise.overdue", At: s.o.RemindAt, Days: workday.Workdays,
		Run: func(ctx context.Context, day workday.Date) error {
			_, err := s.RemindOverdue(ctx, out, day)
			return err
		}}}
}

// RemindOverdue sends today's reminders of the rectifications overdue on day (still open after their
// deadline): to each responsible person, once per rectification and day; to supervisors, one list per day.
// It returns how many reminders went to responsible persons.
func (s *Service) RemindOverdue(ctx context.Context, out bot.Transport, day workday.Date) (int, error) {
	rects, err := s.o.Store.Rectifications(ctx, RectFilter{States: []RectState{RectOpen}, DueBefore: day})
	if err != nil {
		return 0, err
	}
	if len(rects) == 0 {
		return 0, nil
	}
	hs, err := s.heads(ctx)
	if err != nil {
		return 0, err
	}
	wm, _, err := s.windows(ctx)
	if err != nil {
		return 0, err
	}
	cal := s.calendar(ctx)
	sent := 0
	var errs []error
	var lines []string
	for i := range rects {
		rc := &rects[i]
		late := cal.WorkdaysLate(rc.Deadline, day)
		line := fmt.Sprintf("· %s：%s\uff08%s\uff09，期限 %s，逾期 %d 个工作日", windowLabel(wm, rc.WindowID), rc.Title, clauseList(rc.Clauses),
			rc.Deadline.Chinese(day.Year), late)
		h, ok := hs[rc.WindowID]
		if !ok {
			lines = append(lines, line+"（未登记负责人）")
			continue
		}
		lines = append(lines, line)
		first, err := s.o.Store.MarkRectNotified(ctx, rc.ID, day)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !first {
			continue
		}
		text := fmt.Sprintf("⏰ 整改已逾期 %d 个工作日，请尽快整改并回复。\n\n%s", late, s.requestText(ctx, rc, wm))
		_, err = sendWhole(ctx, out, h.UserID, bot.Message{Text: text, Buttons: [][]bot.Button{
			bot.Row(bot.Btn("✍️ 回复整改情况", prefixHead, "a", rc.ID))}})
		switch {
		case errors.Is(err, bot.ErrBlocked):
			// They never started the bot or blocked it: supervisors see it in their list.
		case err != nil:
			errs = append(errs, err)
		default:
			sent++
		}
	}
	// The supervisors' list: once a day across instances (a restart the same day sends it no more).
	if _, err := workday.Once(ctx, s.o.Store, "supervise.overdue-list", day, s.owner, s.now(), func(ctx context.Context) error {
		text := fmt.Sprintf("⏰ 逾期未整改 %d 项（%s）：\n%s\n\n发送 /rectify 查看全部整改。", len(rects), day.Chinese(day.Year),
			bot.Clip(strings.Join(lines, "\n"), 3500))
		return s.tellSupervisors(ctx, out, bot.Message{Text: text})
	}); err != nil {
		errs = append(errs, err)
	}
	if sent > 0 {
		s.log.LogAttrs(ctx, slog.LevelInfo, "supervise: overdue rectifications re-notified", slog.Int("reminders", sent))
	}
	return sent, errors.Join(errs...)
}
