package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conductbot/conductbot/rules"
)

// The engine: Options, NewEngine and Reload (the index of the code in force), and Ask, the pipeline that runs
// the stages in order — lookup (lookup.go), question (question.go), score (score.go), abstain (abstain.go),
// verdict (verdict.go), compose (compose.go). The weights are in tuning.go.

// CodeSource gives the version of the code in force.
type CodeSource interface {
	CodeInForce(ctx context.Context) (*rules.Version, error)
}

// Options wire an Engine.
type Options struct {
	Codes     CodeSource
	Vectors   VectorStore
	Thesaurus *Thesaurus   // nil: the shipped thesaurus
	Remote    Embedder     // optional OpenAI-compatible embedder; offline vectors are always kept as the fallback
	Writer    AnswerWriter // optional LLM answer writer
	Log       *slog.Logger
	Tuning    *Tuning // nil: DefaultTuning
}

// Engine answers questions from the code in force. It is safe for concurrent use; Reload swaps in a new code
// version without stopping answers.
type Engine struct {
	opts  Options
	tun   Tuning
	th    *Thesaurus
	log   *slog.Logger
	state atomic.Pointer[index]
}

// index is everything built from one code version.
type index struct {
	version      *rules.Version
	th           *Thesaurus // the engine's, with the code's own words (rules.Words)
	lex          *lexicon
	offline      *OfflineEmbedder
	offlineSpace Space
	remoteSpace  *Space         // nil when no remote embedder or its indexing failed
	docByID      map[string]int // clause ID → its index in lex.docs
	lessons      lessonSet      // the version's lessons the lexicon was built with (lessons.go)
}

// NewEngine loads the code in force, builds the lexical index and makes sure every clause has vectors.
func NewEngine(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Codes == nil || opts.Vectors == nil {
		return nil, errors.New("retrieval: Codes and Vectors are required")
	}
	e := &Engine{opts: opts, th: opts.Thesaurus, log: opts.Log, tun: DefaultTuning}
	if e.th == nil {
		e.th = ShippedThesaurus()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if opts.Tuning != nil {
		e.tun = *opts.Tuning
	}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Version is the code version answers are drawn from.
func (e *Engine) Version() *rules.Version { return e.state.Load().version }

// CodeInForce returns the version the engine answers from; the bot browses the code through it.
func (e *Engine) CodeInForce(context.Context) (*rules.Version, error) { return e.Version(), nil }

// Reload builds the index of the code now in force; answers keep coming from the old one until it is ready.
func (e *Engine) Reload(ctx context.Context) error {
	v, err := e.opts.Codes.CodeInForce(ctx)
	if err != nil {
		return fmt.Errorf("retrieval: code in force: %w", err)
	}
	ls := e.lessons(ctx, v)
	if cur := e.state.Load(); cur != nil && cur.version.ID == v.ID && cur.lessons.key == ls.key {
		return nil
	}
	th, err := e.th.With(rules.Words(v.Code))
	if err != nil {
		return fmt.Errorf("retrieval: the words of the code in force: %w", err)
	}
	ix := &index{version: v, th: th, docByID: make(map[string]int, len(v.Code.Clauses)), lessons: ls}
	for i, c := range v.Code.Clauses {
		ix.docByID[c.ID] = i
	}
	ix.lex, ix.offline = e.buildIndex(ctx, v, th, ls)
	start := time.Now()
	space, n, err := IndexVersion(ctx, e.opts.Vectors, ix.offline, v)
	if err != nil {
		return fmt.Errorf("retrieval: offline vectors: %w", err)
	}
	ix.offlineSpace = space
	e.log.Info("indexed code", "version", v.Number, "clauses", len(v.Code.Clauses), "model", space.Model,
		"embedded", n, "took", time.Since(start).Round(time.Millisecond))
	if e.opts.Remote != nil {
		rs, n, err := IndexVersion(ctx, e.opts.Vectors, e.opts.Remote, v)
		if err != nil {
			e.log.Warn("remote embeddings unavailable; answering with offline vectors", "model", e.opts.Remote.Model(), "err", err)
		} else {
			ix.remoteSpace = &rs
			e.log.Info("indexed code", "version", v.Number, "model", rs.Model, "embedded", n)
		}
	}
	e.state.Store(ix)
	return nil
}

// Ask answers one question. It fails only when the store fails; bad input gets an answer that says so. It runs
// the stages in order; each is in the file named after it.
func (e *Engine) Ask(ctx context.Context, raw string) (*Answer, error) {
	ix := e.state.Load()
	a := &Answer{Question: raw, Verdict: NoVerdict, Citations: []Citation{}, Version: ix.version.ID}
	if strings.TrimSpace(raw) == "" {
		a.Abstained = true
		a.Answer = "请输入您想问的问题，例如：“上班时可以吃东西吗？”"
		return a, nil
	}
	// 1. lookup: a clause named, or a question about the code itself, is answered directly.
	if e.answerDirectly(ix, a, raw) {
		return a, nil
	}
	// 2. question: its kind, its negation, its content.
	q := analyze(raw, ix.th, ix.lex.known)
	if q.content == "" {
		a.Abstained = true
		a.Answer = "没看懂您的问题。请用一句话描述要问的做法，例如：“窗口可以带小孩吗？”"
		return a, nil
	}
	// 3. score: the content as units, every clause ranked, best first.
	us := queryUnits(q, ix.th)
	cands, err := e.rank(ctx, ix, q, us)
	if err != nil {
		return nil, err
	}
	// 4. abstain: whether the best clause answers at all (it may put a close clause first).
	abstain := e.abstains(ix, q, us, cands)
	a.Citations = e.citations(cands)
	if abstain {
		a.Abstained = true
		a.Answer = composeAbstention(ix.version.Code, a.Citations)
		return a, nil
	}
	// 5. verdict: the deciding statement of the best clause and what it says of the asked act.
	var d decision
	a.Verdict, d = e.verdict(ix, q, us, cands)
	if d.st != nil {
		s := d.st.statement
		a.Deciding = &s
	}
	// 6. compose: the answer's text.
	a.Answer = composeAnswer(a, ix.version.Code, e.tun.RelatedMin)
	if e.opts.Writer != nil {
		a.Answer = e.writeWithLLM(ctx, a)
	}
	return a, nil
}

// embedText is what a clause's vector is made from: its section path and its text.
func embedText(c rules.Clause) string {
	return strings.Join(c.Path, " ") + " " + c.Text
}

// IndexVersion makes sure every clause of v has a vector from emb in the store. Clauses whose text was embedded
// before by the same model (in any version) reuse that vector; only new texts are sent to the embedder. It
// returns the space and how many texts were embedded.
func IndexVersion(ctx context.Context, store VectorStore, emb Embedder, v *rules.Version) (Space, int, error) {
	clauses := v.Code.Clauses
	if len(clauses) == 0 {
		return Space{}, 0, errors.New("the code has no clauses")
	}
	hashes := make([]string, len(clauses))
	for i, c := range clauses {
		hashes[i] = rules.TextHash(emb.Model() + "\x00" + embedText(c))
	}
	// The space needs the dimension; learn it from the store when the model is known, else from one embedding.
	var space Space
	probe, err := emb.Embed(ctx, []string{embedText(clauses[0])})
	if err != nil {
		return Space{}, 0, err
	}
	if len(probe) != 1 || len(probe[0]) == 0 {
		return Space{}, 0, errors.New("the embedder returned no vector")
	}
	if space, err = store.VectorSpace(ctx, emb.Model(), len(probe[0])); err != nil {
		return Space{}, 0, err
	}
	have, err := store.IndexedClauses(ctx, space, v.ID)
	if err != nil {
		return Space{}, 0, err
	}
	var missing []int
	for i, c := range clauses {
		if have[c.ID] != hashes[i] {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return space, 0, nil
	}
	want := make([]string, len(missing))
	for j, i := range missing {
		want[j] = hashes[i]
	}
	cached, err := store.CachedVectors(ctx, space, want)
	if err != nil {
		return Space{}, 0, err
	}
	var toEmbed []int
	for _, i := range missing {
		if _, ok := cached[hashes[i]]; !ok {
			toEmbed = append(toEmbed, i)
		}
	}
	if len(toEmbed) > 0 {
		texts := make([]string, len(toEmbed))
		for j, i := range toEmbed {
			texts[j] = embedText(clauses[i])
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return Space{}, 0, err
		}
		if len(vecs) != len(texts) {
			return Space{}, 0, fmt.Errorf("the embedder returned %d vectors for %d texts", len(vecs), len(texts))
		}
		for j, i := range toEmbed {
			if len(vecs[j]) != space.Dims {
				return Space{}, 0, fmt.Errorf("the embedder returned %d dimensions, the space has %d", len(vecs[j]), space.Dims)
			}
			cached[hashes[i]] = vecs[j]
		}
	}
	put := make([]ClauseVector, len(missing))
	for j, i := range missing {
		put[j] = ClauseVector{ClauseID: clauses[i].ID, TextHash: hashes[i], Vector: cached[hashes[i]]}
	}
	if err := store.PutClauseVectors(ctx, space, v.ID, put); err != nil {
		return Space{}, 0, err
	}
	return space, len(toEmbed), nil
}
