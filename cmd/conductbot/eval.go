package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/conductbot/conductbot/retrieval"
)

func init() {
	register("eval", "score a question set (JSONL; see eval --help)", runEval)
}

func runEval(ctx context.Context, m *Main, args []string) error {
	m.DefaultLogLevel = "warn"
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	misses := fs.Bool("misses", false, "list the questions answered wrongly")
	fs.Usage = func() {
		fmt.Fprint(m.Stderr, `Usage: conductbot eval [--json] [--misses] FILE.jsonl

Scores the code in force on a question set: hit@1, hit@3, MRR, abstention, verdict accuracy, latency.
FILE.jsonl holds one JSON object a line:

  {"q": "窗口可以吃东西吗", "gold": ["1.3.3"], "verdict": "forbidden"}
  {"q": "食堂几点开饭", "abstain": true}

  q        the question, as typed in the chat
  gold     clause IDs that answer it; any one counts (a retrieved 2.1 matches a gold 2)
  verdict  forbidden, required or allowed, where the question asks whether something may be done
  abstain  true where the code says nothing on it

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: give one question set", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	items, err := retrieval.ReadEvalSet(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	results, met, err := retrieval.Evaluate(ctx, m.Engine.Ask, items)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(m.Stdout).Encode(met)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "questions\t%d (in scope %d, out of scope %d)\n", met.Questions, met.InScope, met.OutOfScope)
	fmt.Fprintf(tw, "hit@1\t%.3f\n", met.HitAt1)
	fmt.Fprintf(tw, "hit@3\t%.3f\n", met.HitAt3)
	fmt.Fprintf(tw, "MRR\t%.3f\n", met.MRR)
	fmt.Fprintf(tw, "abstention accuracy\t%.3f (out-of-scope questions abstained on)\n", met.AbstentionAcc)
	fmt.Fprintf(tw, "false abstention rate\t%.3f (in-scope questions abstained on)\n", met.FalseAbstention)
	fmt.Fprintf(tw, "verdict accuracy\t%.3f (%d questions with a verdict)\n", met.VerdictAcc, met.VerdictQuestions)
	fmt.Fprintf(tw, "unsafe verdicts\t%d (可以 for an act the code forbids)\n", met.Unsafe)
	fmt.Fprintf(tw, "latency p50 / p99\t%.0f µs / %.0f µs\n", met.LatencyP50Micros, met.LatencyP99Micros)
	if err := tw.Flush(); err != nil {
		return err
	}
	if *misses {
		for _, r := range results {
			it, a := r.Item, r.Answer
			wrongRank := len(it.Gold) > 0 && r.Rank != 1
			wrongAbst := (it.Abstain || len(it.Gold) == 0) != a.Abstained
			wrongVerdict := it.Verdict != "" && it.Verdict != a.Verdict
			if !wrongRank && !wrongAbst && !wrongVerdict {
				continue
			}
			ids := make([]string, len(a.Citations))
			for i, c := range a.Citations {
				ids[i] = c.ID
			}
			fmt.Fprintf(m.Stdout, "- %s\n  gold %v verdict %q abstain %v | got %s verdict %q abstained %v\n",
				it.Q, it.Gold, it.Verdict, it.Abstain, strings.Join(ids, ","), a.Verdict, a.Abstained)
		}
	}
	return nil
}
