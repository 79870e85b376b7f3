package retrieval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// EvalItem is one line of a question set (../shared/eval/README.md).
type EvalItem struct {
	Q       string   `json:"q"`
	Gold    []string `json:"gold"`
	Verdict Verdict  `json:"verdict,omitempty"`
	Abstain bool     `json:"abstain,omitempty"`
}

// ReadEvalSet reads a JSONL question set; blank lines are skipped, a bad line is an error naming it.
func ReadEvalSet(r io.Reader) ([]EvalItem, error) {
	var items []EvalItem
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		var it EvalItem
		if err := json.Unmarshal([]byte(s), &it); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// EvalResult is one question's outcome.
type EvalResult struct {
	Item    EvalItem
	Answer  *Answer
	Rank    int // 1-based rank of the first gold citation; 0 when none was cited
	Latency time.Duration
}

// Metrics summarise a question set.
type Metrics struct {
	Questions        int     `json:"questions"`
	InScope          int     `json:"in_scope"`
	OutOfScope       int     `json:"out_of_scope"`
	HitAt1           float64 `json:"hit_at_1"`
	HitAt3           float64 `json:"hit_at_3"`
	MRR              float64 `json:"mrr"`
	AbstentionAcc    float64 `json:"abstention_accuracy"`   // out-of-scope questions abstained on
	FalseAbstention  float64 `json:"false_abstention_rate"` // in-scope questions abstained on
	VerdictAcc       float64 `json:"verdict_accuracy"`      // questions with a gold verdict answered with it
	VerdictQuestions int     `json:"verdict_questions"`
	// Unsafe counts the worst answers: 可以 (allowed) where the code forbids the act.
	Unsafe           int     `json:"unsafe_verdicts"`
	LatencyP50Micros float64 `json:"latency_p50_us"`
	LatencyP99Micros float64 `json:"latency_p99_us"`
}

// goldRank is the rank of the first citation that equals a gold ID or lies below it (2.1 matches 2).
func goldRank(a *Answer, gold []string) int {
	for i, c := range a.Citations {
		for _, g := range gold {
			if rules.Within(c.ID, g) {
				return i + 1
			}
		}
	}
	return 0
}

// Evaluate asks every question. Ranking metrics count in-scope questions; a question the engine abstained on
// still counts its citations (the nearest clauses), so hit@k measures retrieval and the abstention rates
// measure the decision to answer.
func Evaluate(ctx context.Context, ask func(context.Context, string) (*Answer, error), items []EvalItem) ([]EvalResult, Metrics, error) {
	var res []EvalResult
	var m Metrics
	var lat []time.Duration
	var hit1, hit3, rr, abstainedOut, abstainedIn, verdictOK float64
	for _, it := range items {
		start := time.Now()
		a, err := ask(ctx, it.Q)
		d := time.Since(start)
		if err != nil {
			return nil, Metrics{}, fmt.Errorf("%q: %w", it.Q, err)
		}
		r := EvalResult{Item: it, Answer: a, Latency: d}
		lat = append(lat, d)
		m.Questions++
		if it.Abstain || len(it.Gold) == 0 {
			m.OutOfScope++
			if a.Abstained {
				abstainedOut++
			}
		} else {
			m.InScope++
			r.Rank = goldRank(a, it.Gold)
			if r.Rank == 1 {
				hit1++
			}
			if r.Rank >= 1 && r.Rank <= 3 {
				hit3++
			}
			if r.Rank > 0 {
				rr += 1 / float64(r.Rank)
			}
			if a.Abstained {
				abstainedIn++
			}
		}
		if it.Verdict != "" {
			m.VerdictQuestions++
			if a.Verdict == it.Verdict {
				verdictOK++
			}
			if it.Verdict == Forbidden && a.Verdict == Allowed {
				m.Unsafe++
			}
		}
		res = append(res, r)
	}
	div := func(a float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return math.Round(a/float64(n)*1000) / 1000
	}
	m.HitAt1, m.HitAt3, m.MRR = div(hit1, m.InScope), div(hit3, m.InScope), div(rr, m.InScope)
	m.AbstentionAcc, m.FalseAbstention = div(abstainedOut, m.OutOfScope), div(abstainedIn, m.InScope)
	m.VerdictAcc = div(verdictOK, m.VerdictQuestions)
	m.LatencyP50Micros, m.LatencyP99Micros = percentile(lat, 0.50), percentile(lat, 0.99)
	return res, m, nil
}

func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p*float64(len(s)))) - 1
	i = max(0, min(i, len(s)-1))
	return math.Round(float64(s[i].Nanoseconds())/10) / 100
}
