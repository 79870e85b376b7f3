package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/workday"
)

func init() {
	register("inspectors", "spot-check inspectors: invite --count N [--days D], list, revoke LABEL", runInspectors)
	addBotFeature("inspect", func(ctx context.Context, m *Main) (botCapability, error) {
		return m.openInspect(ctx)
	})
}

// openInspect builds the spot-check service on the opened store and engine.
func (m *Main) openInspect(ctx context.Context) (*inspect.Service, error) {
	if err := m.Open(ctx); err != nil {
		return nil, err
	}
	st, ok := m.Store.(inspect.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T does not keep spot-check reports", m.Store)
	}
	o := inspect.Options{Store: st, Code: m.Engine, Observer: m.Engine, Admins: m.Config.Admins,
		Location: m.Config.TimeZone, Clock: m.Clock, Log: m.Log}
	if us, ok := m.Store.(bot.UserStore); ok {
		o.Users = us
	}
	// CONDUCTBOT_REPORT_CHAT and CONDUCTBOT_REPORT_RELEASE, validated by config.
	o.NotifyChat = m.Config.ReportChat
	rel, err := inspect.ParseRelease(m.Config.ReportRelease)
	if err != nil {
		return nil, fmt.Errorf("CONDUCTBOT_REPORT_RELEASE: %w", err)
	}
	o.Release = rel
	key, err := m.SealKey(ctx)
	if err != nil {
		return nil, err
	}
	o.SealKey = key
	if _, ok := m.Store.(remind.Store); ok {
		// The reminders' calendar (the shipped years with the ones admins stored over them): a visit on a day off
		// is questioned in the report form.
		rem, err := m.openRemind(ctx)
		if err != nil {
			return nil, err
		}
		o.Calendar = rem
	}
	return inspect.New(o)
}

func runInspectors(ctx context.Context, m *Main, args []string) error {
	usage := func() {
		fmt.Fprintln(m.Stderr, "Usage:\n"+
			"  conductbot inspectors invite [--count N] [--days D]   make N one-time invite codes valid for D days (default 1, 7)\n"+
			"  conductbot inspectors list                            list inspectors by their neutral labels\n"+
			"  conductbot inspectors revoke LABEL                    revoke one (暗访员07, or 07)")
	}
	if len(args) == 0 {
		usage()
		return fmt.Errorf("%w: say invite, list or revoke", errUsage)
	}
	m.DefaultLogLevel = "warn"
	switch args[0] {
	case "invite":
		fs := flag.NewFlagSet("inspectors invite", flag.ContinueOnError)
		fs.SetOutput(m.Stderr)
		count := fs.Int("count", 1, "how many codes")
		days := fs.Int("days", 7, "how many days they are valid")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 || *count < 1 || *count > inspect.MaxInvites || *days < 1 || *days > 30 {
			usage()
			return fmt.Errorf("%w: --count 1..%d, --days 1..30", errUsage, inspect.MaxInvites)
		}
		s, err := m.openInspect(ctx)
		if err != nil {
			return err
		}
		codes, expires, err := s.CreateInvites(ctx, *count, time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		for _, c := range codes {
			fmt.Fprintln(m.Stdout, c)
		}
		fmt.Fprintf(m.Stderr, "%s, valid until %s. Only their hashes are stored: hand them out now.\n"+
			"The inspector sends /join CODE to the bot in a private chat.\n", plural(len(codes), "one-time invite code"), zoned(expires, m.Config.TimeZone))
		return nil
	case "list":
		if len(args) > 1 {
			usage()
			return fmt.Errorf("%w: list takes no arguments", errUsage)
		}
		if _, err := m.openInspect(ctx); err != nil {
			return err
		}
		ins, err := m.Store.(inspect.Store).Inspectors(ctx)
		if err != nil {
			return err
		}
		open, err := m.Store.(inspect.Store).OpenInvites(ctx, m.Clock.Now())
		if err != nil {
			return err
		}
		rows := [][]string{{"LABEL", "JOINED", "STATUS"}}
		for _, in := range ins {
			status := "active"
			if !in.Active() {
				status = "revoked " + in.Revoked.String()
			}
			rows = append(rows, []string{in.Label(), in.Joined.String(), status})
		}
		if err := writeTable(m.Stdout, rows); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s; %s\n", plural(len(ins), "inspector"), plural(open, "unused invite code"))
		return nil
	case "revoke":
		if len(args) != 2 {
			usage()
			return fmt.Errorf("%w: revoke takes one label", errUsage)
		}
		no, ok := inspect.ParseLabel(args[1])
		if !ok {
			return fmt.Errorf("%w: %q is not a label like 暗访员07 or 07", errUsage, args[1])
		}
		if _, err := m.openInspect(ctx); err != nil {
			return err
		}
		in, err := m.Store.(inspect.Store).RevokeInspector(ctx, no, workday.DateOf(m.Clock.Now(), m.Config.TimeZone))
		if err != nil {
			return fmt.Errorf("revoke %s: %w", inspect.FormatLabel(no), err)
		}
		fmt.Fprintf(m.Stdout, "revoked %s; their reports stay\n", in.Label())
		return nil
	}
	usage()
	return fmt.Errorf("%w: unknown inspectors command %q", errUsage, args[0])
}

// zoned writes an instant in loc with its zone, so that whoever reads it elsewhere knows which clock it is on:
// "2026-11-09 09:00 CST (+08:00)", or "2026-11-09 09:00 +08:00" where the zone has no abbreviation.
func zoned(t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	name, _ := t.Zone()
	offset := t.Format("-07:00")
	if name == "" || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return t.Format("2006-01-02 15:04 ") + offset
	}
	return t.Format("2006-01-02 15:04 ") + name + " (" + offset + ")"
}
