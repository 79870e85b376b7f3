package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/conductbot/conductbot/inspect"
)

func init() {
	register("windows", "the center's service windows: load FILE [--keep], list", runWindows)
}

func runWindows(ctx context.Context, m *Main, args []string) error {
	usage := func() {
		fmt.Fprintln(m.Stderr, "Usage:\n"+
			"  conductbot windows load [--keep] FILE   load the window list, one \"number name\" a line (3 不动产登记);\n"+
			"                                         windows not in the file are deactivated unless --keep\n"+
			"  conductbot windows list                 list the windows")
	}
	if len(args) == 0 {
		usage()
		return fmt.Errorf("%w: say load or list", errUsage)
	}
	m.DefaultLogLevel = "warn"
	switch args[0] {
	case "load":
		fs := flag.NewFlagSet("windows load", flag.ContinueOnError)
		fs.SetOutput(m.Stderr)
		keep := fs.Bool("keep", false, "keep windows the file does not list active")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			usage()
			return fmt.Errorf("%w: give one file", errUsage)
		}
		src, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		ws, probs := inspect.ParseWindows(string(src))
		if len(probs) > 0 {
			return fmt.Errorf("%s:\n  %s", fs.Arg(0), strings.Join(probs, "\n  "))
		}
		if len(ws) == 0 {
			return fmt.Errorf("%s: no windows", fs.Arg(0))
		}
		if err := m.OpenStore(ctx); err != nil {
			return err
		}
		st, ok := m.Store.(inspect.Store)
		if !ok {
			return fmt.Errorf("the store %T does not keep windows", m.Store)
		}
		added, updated, deactivated, err := st.PutWindows(ctx, ws, !*keep)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s in the file: %d added, %d changed, %d deactivated\n", plural(len(ws), "window"), added, updated, deactivated)
		return nil
	case "list":
		if err := m.OpenStore(ctx); err != nil {
			return err
		}
		st, ok := m.Store.(inspect.Store)
		if !ok {
			return fmt.Errorf("the store %T does not keep windows", m.Store)
		}
		ws, err := st.Windows(ctx, true)
		if err != nil {
			return err
		}
		rows := [][]string{{"NO", "NAME", "STATUS"}}
		for _, w := range ws {
			status := "active"
			if !w.Active {
				status = "inactive"
			}
			rows = append(rows, []string{w.No, w.Name, status})
		}
		return writeTable(m.Stdout, rows)
	}
	usage()
	return fmt.Errorf("%w: unknown windows command %q", errUsage, args[0])
}
