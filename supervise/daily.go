package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
)

// Run re-notifies overdue rectifications through out once a day, at RemindAt on working days, until ctx ends:
// each window's responsible person gets a reminder of each overdue rectification, and supervisors a list of
// them. Several instances may run it on one store: each reminder is claimed in the store before it is sent.
func (s *Service) Run(ctx context.Context, out bot.Transport) error {
	// Started after today's time (a restart, a deploy): today's reminders go out at once; the store's claims
	// keep them from going out twice.
	catchUp := !s.nextRun(s.now()).Before(s.todayAt().Add(24 * time.Hour))
	for {
		now := s.now()
		wait := s.nextRun(now).Sub(now)
		if catchUp {
			wait, catchUp = 0, false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.o.After(wait):
		}
		if ctx.Err() != nil {
			return nil
		}
		today := s.Today()
		if !IsWorkday(s.calendar(ctx), today) {
			continue
		}
		if _, err := s.RemindOverdue(ctx, out, today); err != nil && ctx.Err() == nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "supervise: overdue reminders", slog.String("error", err.Error()))
		}
	}
}

// todayAt is today's RemindAt.
func (s *Service) todayAt() time.Time {
	n := s.now().In(s.loc)
	return time.Date(n.Year(), n.Month(), n.Day(), s.o.RemindAt/60, s.o.RemindAt%60, 0, 0, s.loc)
}

// nextRun is the first RemindAt strictly after now.
func (s *Service) nextRun(now time.Time) time.Time {
	n := now.In(s.loc)
	at := time.Date(n.Year(), n.Month(), n.Day(), s.o.RemindAt/60, s.o.RemindAt%60, 0, 0, s.loc)
	if at.After(n) {
		return at
	}
	return time.Date(n.Year(), n.Month(), n.Day()+1, s.o.RemindAt/60, s.o.RemindAt%60, 0, 0, s.loc)
}

// RemindOverdue sends today's reminders of the rectifications overdue on day (still open after their
// deadline): to each responsible person, once per rectification and day; to supervisors, one list per day.
// It returns how many reminders went to responsible persons.
func (s *Service) RemindOverdue(ctx context.Context, out bot.Transport, day inspect.Date) (int, error) {
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
		late := WorkdaysLate(cal, rc.Deadline, day)
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
		_, err = out.Send(ctx, h.UserID, bot.Message{Text: clip16(text), Buttons: [][]bot.Button{
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
	if first, err := s.o.Store.ClaimDay(ctx, "overdue", day); err != nil {
		errs = append(errs, err)
	} else if first {
		text := fmt.Sprintf("⏰ 逾期未整改 %d 项（%s）：\n%s\n\n发送 /rectify 查看全部整改。", len(rects), day.Chinese(day.Year),
			bot.Clip(strings.Join(lines, "\n"), 3500))
		if err := s.tellSupervisors(ctx, out, bot.Message{Text: text}); err != nil {
			errs = append(errs, err)
		}
	}
	if sent > 0 {
		s.log.LogAttrs(ctx, slog.LevelInfo, "supervise: overdue rectifications re-notified", slog.Int("reminders", sent))
	}
	return sent, errors.Join(errs...)
}
