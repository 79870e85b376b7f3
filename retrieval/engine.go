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

// Ask answers one question. It fails only when the store fails; bad input gets an answer that says so.
func (e *Engine) Ask(ctx context.Context, raw string) (*Answer, error) {
	ix := e.state.Load()
	a := &Answer{Question: raw, Verdict: NoVerdict, Citations: []Citation{}, Version: ix.version.ID}
	if strings.TrimSpace(raw) == "" {
		a.Abstained = true
		a.Answer = "请输入您想问的问题，例如：“上班时可以吃东西吗？”"
		return a, nil
	}
	if id, ok := lookup(raw, ix.version.Code); ok {
		return e.lookupAnswer(ix, a, id), nil
	}
	if aboutCode.MatchString(normalize(raw)) && codeFacts(a, ix.version.Code) {
		return a, nil
	}
	q := analyze(raw, ix.th, ix.lex.known)
	if q.content == "" {
		a.Abstained = true
		a.Answer = "没看懂您的问题。请用一句话描述要问的做法，例如：“窗口可以带小孩吗？”"
		return a, nil
	}
	us := queryUnits(q, ix.th)
	cands, err := e.rank(ctx, ix, q, us)
	if err != nil {
		return nil, err
	}
	fact := askedFact(q.text)
	covers := func(c candidate) bool {
		// 今晚吃啥, 猫不吃饭咋办: a plain question with no workplace in it, tied to the code only by an everyday
		// word, is not about conduct at work.
		return c.coverage >= e.tun.MinCoverage && c.evidence >= e.tun.MinEvidence && !offTopic(q, us, c.doc, c.evidence)
	}
	statesIt := func(c candidate) bool {
		// 下班时间是几点: the code gives numbers only where it states them (打电话不超过3分钟, ±5分), and the
		// question must be about what the clause counts, not just share the unit (产假多长时间).
		return fact == "" || answersFact(us, fact, q.text, c.doc, ix.lex, e.tun.MinEvidence)
	}
	abstain := !covers(cands[0]) || !statesIt(cands[0])
	if abstain && covers(cands[0]) && facts.count.MatchString(fact) {
		// 上班刷短视频被抓了扣几分: the best clause is about the act and a close one states the count; it goes
		// first, the others keep their order.
		for i := 1; i < len(cands) && i <= e.tun.RelatedShown; i++ {
			if cands[i].score >= cands[0].score*e.tun.RelatedMin && covers(cands[i]) && statesIt(cands[i]) {
				c := cands[i]
				copy(cands[1:i+1], cands[:i])
				cands[0] = c
				abstain = false
				break
			}
		}
	}
	best := cands[0]
	// The citations are the best clauses, ranked; the answer's text names only the related ones that come
	// close to the best (RelatedMin).
	for i := 0; i < len(cands) && i < 1+e.tun.RelatedShown; i++ {
		c := cands[i]
		a.Citations = append(a.Citations, Citation{ID: c.doc.clause.ID, Title: c.doc.clause.Title, Text: c.doc.clause.Text, Score: round3(c.score)})
	}
	if abstain {
		a.Abstained = true
		a.Answer = composeAbstention(ix.version.Code, a.Citations)
		return a, nil
	}
	d := bestStatement(best.doc, us, ix.lex)
	a.Verdict = decideVerdict(q, d)
	if best.doc.penalty {
		// A penalty clause (扣2分, 通报批评) answers 扣几分 / 会怎么处理; whether the act is allowed is for the rule
		// it punishes to say.
		a.Verdict = NoVerdict
	}
	if a.Verdict == Forbidden && d.st != nil && exceptedAct(sentenceOf(best.doc.clause.Text, d.st.statement.Text), us) {
		// 台面除个人水杯外不得摆放其他物品, asked 能放水杯吗: what is asked is what the prohibition leaves out.
		a.Verdict = Allowed
	}
	if a.Verdict == Allowed {
		a.Verdict = e.safeAllowed(ix, q, us, d, best, cands)
	}
	if d.st != nil {
		s := d.st.statement
		a.Deciding = &s
	}
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
