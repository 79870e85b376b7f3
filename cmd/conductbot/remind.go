package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

func init() {
	register("remind", "daily reminders: calendar FILE | calendar --check FILE | calendar --show YEAR | status", runRemind)
}

// openRemind builds the reminders on the opened store. The engine, when open, answers the "ask about it"
// button; spot-check reports weight the rotation when the store counts violations.
func (m *Main) openRemind(ctx context.Context) (*remind.Reminders, error) {
	if err := m.OpenStore(ctx); err != nil {
		return nil, err
	}
	st, ok := m.Store.(remind.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T does not keep reminders", m.Store)
	}
	c := remind.Config{Store: st, Code: m.Store, Location: m.Config.TimeZone, Admins: m.Config.Admins, Log: m.Log}
	if m.Engine != nil {
		c.Code, c.Asker = m.Engine, m.Engine
	}
	if vc, ok := m.Store.(remind.ViolationCounter); ok {
		c.Violations = vc
	}
	c.Clock = m.Clock
	return remind.New(c)
}

// remindPacing is CONDUCTBOT_REMIND_RATE (validated by config): messages a second this instance's broadcasts may
// send, overall (default 25). With several instances behind one bot token, give each 25/N: the Bot API's limit is
// the bot's, and the instances share the broadcast.
func (m *Main) remindPacing() remind.Pacing {
	return remind.Pacing{PerSecond: m.Config.RemindRate}
}

func runRemind(ctx context.Context, m *Main, args []string) error {
	usage := func() {
		fmt.Fprintln(m.Stderr, "Usage:\n"+
			"  conductbot remind calendar FILE          check a working-day calendar file and store it for its year\n"+
			"                                           (it then overrides the shipped one; format: workday/calendar/2026.txt)\n"+
			"  conductbot remind calendar --check FILE  only check the file and show its days\n"+
			"  conductbot remind calendar --show YEAR   show the calendar in use for a year\n"+
			"  conductbot remind status                 subscriptions and today's deliveries")
	}
	if len(args) == 0 {
		usage()
		return fmt.Errorf("%w: say calendar or status", errUsage)
	}
	m.DefaultLogLevel = "warn"
	switch args[0] {
	case "calendar":
		fs := flag.NewFlagSet("remind calendar", flag.ContinueOnError)
		fs.SetOutput(m.Stderr)
		check := fs.Bool("check", false, "only check the file")
		show := fs.Int("show", 0, "show the calendar in use for this year")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *show != 0 {
			if fs.NArg() != 0 {
				usage()
				return fmt.Errorf("%w: --show takes a year, no file", errUsage)
			}
			rem, err := m.openRemind(ctx)
			if err != nil {
				return err
			}
			cal, err := rem.Calendar(ctx)
			if err != nil {
				return err
			}
			y, ok := cal.Year(*show)
			if !ok {
				fmt.Fprintf(m.Stdout, "%d: no calendar; reminders go out Monday to Friday\n", *show)
				return nil
			}
			printYear(m, y)
			return nil
		}
		if fs.NArg() != 1 {
			usage()
			return fmt.Errorf("%w: give one file", errUsage)
		}
		src, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		y, err := workday.ParseYear(string(src))
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		printYear(m, y)
		if *check {
			return nil
		}
		rem, err := m.openRemind(ctx)
		if err != nil {
			return err
		}
		if _, err := rem.PutCalendar(ctx, string(src)); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "stored: the bot now uses this calendar for %d\n", y.Year)
		return nil
	case "status":
		if len(args) != 1 {
			usage()
			return fmt.Errorf("%w: status takes no arguments", errUsage)
		}
		rem, err := m.openRemind(ctx)
		if err != nil {
			return err
		}
		return printRemindStatus(ctx, m, rem)
	}
	usage()
	return fmt.Errorf("%w: unknown remind command %q", errUsage, args[0])
}

func printYear(m *Main, y *workday.Year) {
	fmt.Fprintf(m.Stdout, "%d (%s): %s\n", y.Year, y.Status, y.Source)
	cal := workday.NewCalendar(y)
	work := 0
	for d := (workday.Date{Year: y.Year, Month: time.January, Day: 1}); d.Year == y.Year; d = d.AddDays(1) {
		info := cal.Day(d)
		if info.Workday {
			work++
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		if info.Workday == weekend {
			state := "off"
			if info.Workday {
				state = "work"
			}
			fmt.Fprintf(m.Stdout, "  %s %-9s %-4s %s\n", d, d.Weekday(), state, info.Reason)
		}
	}
	fmt.Fprintf(m.Stdout, "%d working days\n", work)
}

func printRemindStatus(ctx context.Context, m *Main, rem *remind.Reminders) error {
	st, err := rem.Stats(ctx, 1)
	if err != nil {
		return err
	}
	cal, err := rem.Calendar(ctx)
	if err != nil {
		return err
	}
	today := rem.Today()
	info := cal.Day(today)
	kind := "day off"
	if info.Workday {
		kind = "working day"
	}
	fmt.Fprintf(m.Stdout, "today %s (%s): %s, %s\n", today, rem.Location(), kind, info.Reason)
	// This year's calendar and next year's: what is missing or provisional, and what to do about it.
	for _, year := range []int{today.Year, today.Year + 1} {
		y, ok := cal.Year(year)
		switch {
		case !ok:
			fmt.Fprintf(m.Stdout, "warning: no calendar for %d: reminders and deadlines assume Monday to Friday, without public holidays or make-up working days.\n", year)
		case y.Status == workday.StatusProvisional:
			fmt.Fprintf(m.Stdout, "warning: the calendar for %d is provisional (estimated holidays, no make-up working days).\n", year)
		default:
			fmt.Fprintf(m.Stdout, "calendar %d: %s (%s)\n", year, y.Status, y.Source)
			continue
		}
		fmt.Fprintf(m.Stdout, "  to do: when the State Council publishes the %d holidays, write them in a calendar file\n"+
			"  (format: workday/calendar/2026.txt; check it with `conductbot remind calendar --check FILE`)\n"+
			"  and load it with `conductbot remind calendar FILE`.\n", year)
	}
	fmt.Fprintf(m.Stdout, "subscribed: %d users, %d groups\n", st.Users, st.Groups)
	fmt.Fprintf(m.Stdout, "today's deliveries: %d sent, %d pending, %d blocked, %d failed\n",
		st.Deliveries[remind.Sent], st.Deliveries[remind.Pending], st.Deliveries[remind.Blocked], st.Deliveries[remind.Failed])
	fmt.Fprintf(m.Stdout, "today's question: %d answers, %d correct\n", st.Answers, st.Correct)
	return nil
}
