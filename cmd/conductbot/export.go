package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conductbot/conductbot/supervise"
)

func init() {
	register("export", "a month's evaluation as an XLSX workbook and CSV files: --month 2026-11 [--out DIR]", runExport)
}

func runExport(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn"
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	month := fs.String("month", "", "the month, YYYY-MM (default: the previous month in CONDUCTBOT_TZ)")
	out := fs.String("out", ".", "the directory to write the files into (created if need be)")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: conductbot export [--month 2026-11] [--out DIR]\n\n"+
			"Writes the month's window scores and adjustments, spot-check reports, checklist items and rectifications\n"+
			"as conductbot-YYYY-MM.xlsx (one sheet each) and as CSV files (UTF-8): scores-, reports-, items-, findings- and\n"+
			"rectifications-YYYY-MM.csv. Only confirmed reports count in the scores.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: export takes no arguments", errUsage)
	}
	if err := m.LoadConfig(); err != nil {
		return err
	}
	mon := supervise.MonthAt(m.Clock.Now(), m.Config.TimeZone).Prev()
	if *month != "" {
		var err error
		if mon, err = supervise.ParseMonth(*month, supervise.MonthAt(m.Clock.Now(), m.Config.TimeZone)); err != nil {
			return fmt.Errorf("%w: --month %q: want YYYY-MM", errUsage, *month)
		}
	}
	svc, err := m.openSupervise(ctx)
	if err != nil {
		return err
	}
	d, err := svc.MonthData(ctx, mon)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := d.WriteFiles(ctx, *out, false); err != nil {
		return err
	}
	for _, name := range append([]string{d.XLSXName()}, d.CSVNames()...) {
		fmt.Fprintln(m.Stdout, filepath.Join(*out, name))
	}
	fmt.Fprintf(m.Stderr, "%s: %s, %s, %s\n", mon, plural(len(d.Scores), "window"), plural(d.Reports, "report"), plural(d.Rects, "rectification"))
	return nil
}
