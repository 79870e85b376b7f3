package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/postgres"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

func init() {
	register("import", "load a code of conduct from a plain-text file as the new version in force", runImport)
	register("versions", "list the imported versions of the code", runVersions)
	register("migrate", "bring the database schema up to date", runMigrate)
}

func runImport(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn" // the outline is the answer; migrations and indexing need not be told
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	dry := fs.Bool("check", false, "only parse the file and report what it holds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(m.Stderr, "Usage: conductbot import [--check] FILE.txt")
		return fmt.Errorf("%w: give one file", errUsage)
	}
	src, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	progress := newProgress(m.Stderr)
	progress.step(fmt.Sprintf("parsing %.1f MB", float64(len(src))/(1<<20)))
	code, err := rules.Parse(string(src))
	progress.done()
	if err != nil {
		return fmt.Errorf("%s: %w\n（可以导入的格式：“一、”“（一）”“1、”逐级编号；或“第一章”“第一节”下的“第一条”“第二条”……，条内用（一）、1.、(1)、① 编项）", fs.Arg(0), err)
	}
	// What the import understood: layout, chapters, rules by kind, penalties, warnings.
	fmt.Fprint(m.Stdout, code.Outline().String(code))
	if *dry {
		return nil
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	if err := m.ensureCode(ctx); err != nil { // the shipped code stays version 1
		return err
	}
	progress.step(fmt.Sprintf("storing %d clauses", len(code.Clauses)))
	v, created, err := m.Store.PutCode(ctx, code, string(src), m.Clock.Now())
	if err != nil {
		return err
	}
	// With a chat model configured, the code teaches the engine: everyday questions and paraphrases per clause,
	// stored with the version before its index is built.
	if m.Config.LLMEnabled() {
		m.teach(ctx, v, progress)
	}
	// The engine is built once, for the version just stored: its index is stored with it for every process.
	progress.step("indexing (BM25 postings, vectors)")
	if m.Engine == nil {
		err = m.Open(ctx)
	} else {
		err = m.Engine.Reload(ctx)
	}
	if err != nil {
		return err
	}
	progress.done()
	if created {
		fmt.Fprintf(m.Stdout, "imported as version %d, now in force\n", v.Number)
	} else {
		fmt.Fprintf(m.Stdout, "unchanged: same as version %d, which is in force\n", v.Number)
	}
	// The inspectors' checklist follows the code in force; the items whose clauses changed are the admin's to review.
	warning, err := m.followChecklist(ctx)
	if errors.Is(err, inspect.ErrNoItems) {
		warning, err = "⚠️ 现行规范中没有可列入暗访检查清单的条款（“应当”“不得”之类的规定）：暗访报告暂时无法填写。", nil
	}
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(m.Stdout, warning)
	}
	return nil
}

// followChecklist carries the saved checklist of spot checks over to the code in force (inspect's FollowCode),
// or makes the first one from it, and returns the warning listing the items to review ("" when none is).
func (m *Main) followChecklist(ctx context.Context) (string, error) {
	st, ok := m.Store.(inspect.Store)
	if !ok {
		return "", nil
	}
	key, err := m.SealKey(ctx)
	if err != nil {
		return "", err
	}
	svc, err := inspect.New(inspect.Options{Store: st, Code: m.Store, Location: m.Config.TimeZone, Clock: m.Clock,
		Log: m.Log, SealKey: key})
	if err != nil {
		return "", err
	}
	return svc.FollowCode(ctx)
}

func runVersions(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn"
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	vs, err := m.Store.CodeVersions(ctx)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintln(m.Stdout, "no code imported yet (the shipped code is imported on first start)")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tIN FORCE\tIMPORTED\tHASH")
	for _, v := range vs {
		mark := ""
		if v.InForce {
			mark = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.12s\n", v.Number, mark, v.CreatedAt.In(m.Config.TimeZone).Format("2006-01-02 15:04 MST"), v.Hash)
	}
	return tw.Flush()
}

func runMigrate(ctx context.Context, m *Main, args []string) error {
	if err := m.LoadConfig(); err != nil {
		return err
	}
	if m.Config.DatabaseURL != "" {
		if err := postgres.Migrate(ctx, m.Config.DatabaseURL); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, "PostgreSQL schema is up to date")
		return nil
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return err
	}
	if err := sqlite.Migrate(ctx, m.Config.SQLitePath()); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "SQLite schema at %s is up to date\n", m.Config.SQLitePath())
	return nil
}

// teach asks the configured chat model for the lessons of v's clauses (retrieval.Teach), showing the batches
// done on the terminal. A failure is a warning: the version is imported and answers offline without the lessons
// not written; the next import of the same file asks only for those.
func (m *Main) teach(ctx context.Context, v *rules.Version, progress *progress) {
	c := m.Config
	w, err := retrieval.NewOpenAILessonWriter(retrieval.OpenAIConfig{APIKey: c.OpenAIAPIKey, BaseURL: c.OpenAIBaseURL, ChatModel: c.ChatModel, Log: m.Log})
	if err == nil {
		progress.step(fmt.Sprintf("teaching with %s (everyday questions per clause)", c.ChatModel))
		var res retrieval.TeachResult
		res, err = retrieval.Teach(ctx, v, w, m.Store, progress.count)
		progress.done()
		fmt.Fprintf(m.Stdout, "lessons: %d clauses, %d asked of %s, %d from earlier imports; %d lessons\n",
			res.Clauses, res.Asked, c.ChatModel, res.Cached, res.Lessons)
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "warning: the chat model did not teach every clause (%v); the code is imported and answers without those lessons — import the file again to ask for the rest\n", err)
	}
}
