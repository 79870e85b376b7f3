package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/conductbot/conductbot/rules"
)

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

// Tuning holds the weights of the ranking and the abstention thresholds, calibrated on the development sets.
type Tuning struct {
	LexicalWeight  float64 // BM25, scaled by the best document's score
	CoverageWeight float64 // share of the question the clause explains
	VectorWeight   float64 // cosine similarity
	MinCoverage    float64 // abstain when the best clause explains less of the question
	MinEvidence    float64 // abstain when the best clause's strong evidence (in characters) is below this
	RelatedShown   int     // related clauses cited after the best one
	RelatedMin     float64 // a related clause is named in the answer's text with this share of the best score
	// MinActCoverage: 可以 read off a requirement (the code asks for the act) needs the deciding statement to
	// account for this share of what the question asks; less, and the question may name a way of doing it that
	// breaks the rule (打招呼时盯着屏幕), so the clause is quoted without a verdict.
	MinActCoverage float64
	// MinForbidCoverage: a 可以 is withdrawn when a prohibition of the deciding clause or a close one accounts for
	// this share of the asked act.
	MinForbidCoverage float64
	VectorK           int // clauses fetched from vector search
	Candidates        int // clauses explained in full: the best by BM25, and the vector hits
	RemoteTimeout     time.Duration
}

// DefaultTuning is the calibrated setting.
var DefaultTuning = Tuning{
	LexicalWeight:     0.35,
	CoverageWeight:    0.50,
	VectorWeight:      0.25,
	MinCoverage:       0,
	MinEvidence:       1.0,
	RelatedShown:      2,
	RelatedMin:        0.6,
	MinActCoverage:    0.75,
	MinForbidCoverage: 0.5,
	VectorK:           20,
	Candidates:        64,
	RemoteTimeout:     3 * time.Second,
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

// candidate is a clause with its scores for one question.
type candidate struct {
	doc      *lexDoc
	coverage float64
	evidence float64 // characters of the question explained by strong evidence
	cosine   float64
	score    float64
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

// rank scores every clause: BM25 with the thesaurus's formal words added, the share of the question each clause
// explains, and vector similarity; best first.
func (e *Engine) rank(ctx context.Context, ix *index, q question, units []unit) ([]candidate, error) {
	var terms []weightedTerm
	addGrams := func(text string, w float64) {
		for _, g := range grams(text, true) {
			gw := w
			if strings.HasPrefix(g, "1:") {
				gw *= unigramWeight
			}
			terms = append(terms, weightedTerm{g, gw})
		}
	}
	for _, u := range units {
		addGrams(u.text, u.weight)
		for _, s := range u.senses {
			// A line with many formal words spreads its weight over them.
			w := u.weight / math.Sqrt(float64(len(s.formal)))
			if s.rel == related {
				w *= 0.5
			}
			for _, f := range s.formal {
				addGrams(f, w)
			}
		}
	}
	bm := ix.lex.bm25(terms)
	cos, hits, err := e.similarities(ctx, ix, q.content)
	if err != nil {
		return nil, err
	}
	maxBM := 0.0
	for _, s := range bm {
		maxBM = math.Max(maxBM, s)
	}
	// Explaining a clause is the costly part: only the best by BM25 and the vector hits are candidates (with the
	// shipped code's 31 clauses, all of them).
	cand := make([]int, 0, min(len(ix.lex.docs), e.tun.Candidates+len(cos)))
	if len(ix.lex.docs) <= e.tun.Candidates {
		for i := range ix.lex.docs {
			cand = append(cand, i)
		}
	} else {
		seen := map[int]bool{}
		for _, i := range topK(bm, e.tun.Candidates) {
			cand, seen[i] = append(cand, i), true
		}
		for _, id := range hits { // best first: candidates (and ties among them) in the same order every time
			if i, ok := ix.docByID[id]; ok && !seen[i] {
				cand, seen[i] = append(cand, i), true
			}
		}
	}
	cands := make([]candidate, 0, len(cand))
	for _, i := range cand {
		d := ix.lex.doc(i)
		c := candidate{doc: d, cosine: cos[d.clause.ID]}
		c.coverage, c.evidence = explain(units, d, ix.lex)
		lexical := 0.0
		if maxBM > 0 {
			lexical = bm[i] / maxBM
		}
		c.score = e.tun.LexicalWeight*lexical + e.tun.CoverageWeight*c.coverage + e.tun.VectorWeight*math.Max(0, c.cosine)
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return cands, nil
}

// topK returns the indexes of the k highest scores, highest first (the lower index first among equals),
// keeping a min-heap of k instead of sorting every score.
func topK(scores []float64, k int) []int {
	if k <= 0 {
		return nil
	}
	// less orders the heap: the weakest of the kept on top.
	less := func(a, b int) bool { return scores[a] < scores[b] || scores[a] == scores[b] && a > b }
	h := make([]int, 0, k)
	down := func(i int) {
		for {
			l, s := 2*i+1, i
			if l < len(h) && less(h[l], h[s]) {
				s = l
			}
			if r := l + 1; r < len(h) && less(h[r], h[s]) {
				s = r
			}
			if s == i {
				return
			}
			h[i], h[s] = h[s], h[i]
			i = s
		}
	}
	for i := range scores {
		if len(h) < k {
			h = append(h, i)
			for j := len(h) - 1; j > 0 && less(h[j], h[(j-1)/2]); j = (j - 1) / 2 {
				h[j], h[(j-1)/2] = h[(j-1)/2], h[j]
			}
			continue
		}
		if less(h[0], i) {
			h[0] = i
			down(0)
		}
	}
	out := make([]int, len(h))
	for n := len(h) - 1; n >= 0; n-- { // pop the weakest to the end
		out[n] = h[0]
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		down(0)
	}
	return out
}

// similarities returns cosine similarity by clause ID, and the clause IDs best first, from the remote space when
// it answers in time, else from the offline one.
func (e *Engine) similarities(ctx context.Context, ix *index, content string) (map[string]float64, []string, error) {
	search := func(space Space, vec []float32) (map[string]float64, []string, error) {
		hits, err := e.opts.Vectors.SearchClauses(ctx, space, ix.version.ID, vec, e.tun.VectorK)
		if err != nil {
			return nil, nil, fmt.Errorf("vector search: %w", err)
		}
		out := make(map[string]float64, len(hits))
		ids := make([]string, len(hits))
		for i, h := range hits {
			out[h.ClauseID] = h.Similarity
			ids[i] = h.ClauseID
		}
		return out, ids, nil
	}
	if ix.remoteSpace != nil {
		rctx, cancel := context.WithTimeout(ctx, e.tun.RemoteTimeout)
		vecs, err := e.opts.Remote.Embed(rctx, []string{content})
		cancel()
		if err == nil && len(vecs) == 1 && len(vecs[0]) == ix.remoteSpace.Dims {
			return search(*ix.remoteSpace, vecs[0])
		}
		if err == nil {
			err = errors.New("unexpected vector shape")
		}
		e.log.Warn("remote embedding failed; using offline vectors for this question", "err", err)
	}
	return search(ix.offlineSpace, ix.offline.embed(content))
}

// unit is a piece of a question's content: a thesaurus word with its senses, or a run of other characters.
type unit struct {
	text   string // the thesaurus word, or the question's own characters
	span   string // the question's characters it stands for (扣几分 for the word 扣五分)
	senses []sense
	runes  int
	weight float64
}

func queryUnits(q question, th *Thesaurus) []unit {
	var out []unit
	for _, p := range q.pieces {
		plain := func(s string) {
			if s != "" {
				out = append(out, unit{text: s, span: s, runes: utf8.RuneCountInString(s), weight: p.weight})
			}
		}
		last := 0
		for _, m := range th.scanFuzzy(p.text, q.known, scanTypos) {
			plain(p.text[last:m.start])
			out = append(out, unit{text: m.word, span: p.text[m.start:m.end], senses: m.senses, runes: utf8.RuneCountInString(m.word), weight: p.weight})
			last = m.end
		}
		plain(p.text[last:])
	}
	return out
}

// senseHit is how well a text accounts for a thesaurus word: 1 when it has the word or a formal word it means,
// less for a related one.
func senseHit(text string, u unit, relatedHit float64) float64 {
	best := 0.0
	if strings.Contains(text, u.text) {
		best = 1
	}
	for _, s := range u.senses {
		for _, f := range s.formal {
			if strings.Contains(text, f) {
				if s.rel == related {
					best = math.Max(best, relatedHit)
				} else {
					best = 1
				}
			}
		}
	}
	return best
}

// meansFormalIn reports whether text has a formal word that u means (a "=" or "<" sense).
func meansFormalIn(text string, u unit) bool {
	for _, s := range u.senses {
		if s.decides() && containsAnyWord(text, s.formal) {
			return true
		}
	}
	return false
}

func containsAnyWord(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// bigramWeight is how telling a bigram of the code is: its IDF as a share of the highest, at least 0.3.
func (lx *lexicon) bigramWeight(g string) float64 {
	return math.Max(0.3, lx.idf[g]/lx.maxIDF)
}

// explain measures how much of the question a clause accounts for: coverage is the weighted share of the
// question's characters explained (a thesaurus word whose formal word is in the clause, or a bigram the clause
// has, discounted when the bigram is common across clauses); evidence counts the characters explained.
func explain(units []unit, d *lexDoc, lx *lexicon) (coverage, evidence float64) {
	var num, den float64
	for _, u := range units {
		if len(u.senses) > 0 {
			w := math.Max(1.5, float64(u.runes)) * u.weight
			den += w
			hit := senseHit(d.norm, u, 0.6)
			num += w * hit
			evidence += w * hit
			continue
		}
		rs := []rune(u.text)
		for i := range rs {
			den += u.weight
			best := 0.0
			for _, j := range []int{i - 1, i} {
				if j < 0 || j+1 >= len(rs) {
					continue
				}
				g := string(rs[j : j+2])
				if tf := d.tf[g]; tf > 0 {
					w := lx.bigramWeight(g)
					if tf < 1 { // only in quoted examples
						w *= quotedWeight
					}
					best = math.Max(best, w)
				} else if d.topic[g] {
					best = math.Max(best, topicWeight*lx.topic[g])
				}
			}
			if best == 0 && len(rs) == 1 && d.tf["1:"+string(rs[i])] > 0 {
				best = 0.2
			}
			num += best * u.weight
			evidence += best * u.weight
		}
	}
	if den == 0 {
		return 0, 0
	}
	return num / den, evidence
}

// decision is the statement that decides a question's verdict.
type decision struct {
	st       *lexStmt
	strong   bool // matched strongly enough to decide
	opposite bool // the question names the opposite of what the statement governs (便装 for 制服)
}

// bestStatement finds the statement of the clause that the question is about: the action counts fully, its
// scene (sceneWeight) little, and a thesaurus word counts by how specific it is in the code. The decision is
// weak when the statement matched only through related words or common characters.
func bestStatement(d *lexDoc, us []unit, lx *lexicon) decision {
	var best decision
	bestScore, bestStrong := 0.0, 0.0
	for i := range d.stmts {
		st := &d.stmts[i]
		score, strong, opposite := 0.0, 0.0, false
		for _, u := range us {
			choose := u.weight
			if choose < 1 {
				choose = sceneWeight
			}
			if len(u.senses) > 0 {
				hit := senseHit(st.norm, u, 0.4)
				w := math.Max(1.5, float64(u.runes))
				score += w * lx.specificity(u) * hit * choose
				if hit == 0 {
					// 留胡子 (the formal word 留胡须) asked of 不蓄胡须: a telling bigram of a formal word the
					// statement has counts as a part of it.
					if part := formalPart(st, u, lx); part > 0 {
						score += w * 0.5 * part * choose
						strong += w * 0.6 * part * u.weight
					}
				}
				if hit >= 1 && (u.runes >= 2 || meansFormalIn(st.norm, u)) {
					// A single character found as written (穿 in 不得穿拖鞋, asked of 穿高跟鞋) is not enough to
					// decide; it must stand for a formal word the statement has (睡 for 打瞌睡).
					strong += w * u.weight
				}
				if hit > 0 && u.weight >= 1 && hasOpposite(st.norm, u) {
					opposite = true
				}
				if strings.Contains(st.norm, u.text) {
					score += 0.2 // the statement uses the very word
				}
				continue
			}
			rs := []rune(u.text)
			covered := make([]bool, len(rs))
			for j := 0; j+1 < len(rs); j++ {
				if g := string(rs[j : j+2]); st.grams[g] {
					w := lx.bigramWeight(g)
					score += w * choose
					strong += w * u.weight
					covered[j], covered[j+1] = true, true
				}
			}
			// 在工位吃不 asked of 在窗口吃零食, 能收吗 of 收受: colloquial Chinese asks with one character where the
			// code writes a word that has it. A telling character counts for a part of a bigram.
			for j, r := range rs {
				if covered[j] || !isHan(r) || !strings.ContainsRune(st.norm, r) {
					continue
				}
				if cw := lx.charWeight(r); cw >= minCharWeight {
					score += charShare * cw * choose
					strong += charShare * cw * u.weight
				}
			}
		}
		if st.statement.Modality != rules.None {
			score += 0.01 // between equals, the normative one
		}
		if score > bestScore {
			best, bestScore, bestStrong = decision{st: st, opposite: opposite}, score, strong
		}
	}
	if best.st == nil && len(d.stmts) > 0 {
		return decision{st: &d.stmts[0]}
	}
	best.strong = bestStrong >= 0.7
	return best
}

// charShare is how much of a bigram a telling single character counts for when choosing the deciding statement;
// minCharWeight is how telling (its IDF as a share of the highest) a character must be to count at all.
const (
	charShare     = 0.5
	minCharWeight = 0.4
)

// charWeight is how telling a single character is in this code: its IDF over the clauses as a share of the
// highest (的, 窗, 应 tell nothing; 推, 胡 tell much).
func (lx *lexicon) charWeight(r rune) float64 {
	idf, ok := lx.idf["1:"+string(r)]
	if !ok {
		return 0
	}
	return idf / lx.maxIDF
}

// formalPart is the best weight of a bigram of u's deciding formal words that the statement has, when it has
// none of them whole: 胡须 of 留胡须 in 不蓄胡须.
func formalPart(st *lexStmt, u unit, lx *lexicon) float64 {
	best := 0.0
	for _, s := range u.senses {
		if !s.decides() {
			continue
		}
		for _, f := range s.formal {
			rs := []rune(f)
			for j := 0; j+1 < len(rs); j++ {
				if g := string(rs[j : j+2]); st.grams[g] {
					if w := lx.bigramWeight(g); w >= minCharWeight && w > best {
						best = w
					}
				}
			}
		}
	}
	return best
}

// safeAllowed keeps 可以 only where it is safe: a wrong 可以 for a forbidden act is the worst answer. It is
// withdrawn (the clause is quoted, the reader judges) when it was read off a requirement whose statement does
// not account for what the question asks, when it was read as the opposite of a prohibition that names the act,
// or when the deciding clause or one close to it forbids the act the question names.
func (e *Engine) safeAllowed(ix *index, q question, us []unit, d decision, best candidate, cands []candidate) Verdict {
	if d.st != nil && d.st.statement.Modality == rules.Required && !d.opposite &&
		(actCoverage(d.st, us, ix.lex) < e.tun.MinActCoverage || missesAct(d.st, us, ix.lex)) {
		return NoVerdict
	}
	// 可以 because the question seemed to name the opposite of what is forbidden, while the prohibition names most
	// of the asked act (不得…跷二郎腿, asked 翘二郎腿行不) or the question says not to do something: the reader
	// must judge.
	if d.st != nil && d.opposite && d.st.statement.Modality == rules.Prohibited &&
		(q.negated || actCoverage(d.st, us, ix.lex) >= e.tun.MinForbidCoverage) {
		return NoVerdict
	}
	// A prohibition in the deciding clause or a close one that names much of the asked act (坐姿端正，不得…跷二郎腿
	// asked 翘二郎腿行不) outweighs a 可以 read off another statement.
	for i := 0; i < len(cands) && i <= e.tun.RelatedShown; i++ {
		c := cands[i]
		if c.score < best.score*e.tun.RelatedMin {
			break
		}
		for j := range c.doc.stmts {
			st := &c.doc.stmts[j]
			if st.statement.Modality != rules.Prohibited || d.st == st {
				continue
			}
			if actCoverage(st, us, ix.lex) >= e.tun.MinForbidCoverage && !opposes(st, us) {
				return NoVerdict
			}
		}
	}
	return Allowed
}

// exceptedAct reports whether the question asks about what a prohibition leaves out (rules.Exception): one of its words of two
// characters or more (of the act or its scene) is in the exception, and no other word of the act is named by the
// rest of the sentence (能放零食吗 of 除个人水杯外不得摆放其他个人物品 stays forbidden).
func exceptedAct(text string, us []unit) bool {
	left, rest, ok := rules.Exception(text)
	if !ok {
		return false
	}
	inLeft := false
	for _, u := range us {
		if u.runes < 2 {
			continue
		}
		if names(left, u) {
			inLeft = true // the scene counts too: 药有质量问题能退吗 asks of 除药品质量问题外
			continue
		}
		if u.weight >= 1 && names(rest, u) {
			return false
		}
	}
	return inLeft
}

// sentenceOf is the sentence of text that holds statement (药品一经发出，除药品质量问题外，不予退换 for 不予退换): an
// exception is often a fragment of its own.
func sentenceOf(text, statement string) string {
	at := strings.Index(text, statement)
	if at < 0 {
		return statement
	}
	for _, sp := range sentenceSpans(text) {
		if sp[0] <= at && at < sp[1] {
			return text[sp[0]:sp[1]]
		}
	}
	return statement
}

// names reports whether text names u: a thesaurus word by its senses, the question's own characters by a bigram
// (药有质量问题 in 除药品质量问题外).
func names(text string, u unit) bool {
	if len(u.senses) > 0 {
		return senseHit(text, u, 0) > 0
	}
	rs := []rune(u.text)
	for j := 0; j+1 < len(rs); j++ {
		if strings.Contains(text, string(rs[j:j+2])) {
			return true
		}
	}
	return false
}

// missesAct reports whether the asked act has a telling character or a thesaurus word that the statement does not
// account for: 在工位吃 asked of 在工位上放置服务牌 shares the place, not the act.
func missesAct(st *lexStmt, us []unit, lx *lexicon) bool {
	for _, u := range us {
		if u.weight < 1 {
			continue
		}
		if len(u.senses) > 0 {
			if senseHit(st.norm, u, 0.6) == 0 && formalPart(st, u, lx) == 0 {
				return true
			}
			continue
		}
		for _, r := range u.text {
			if isHan(r) && !strings.ContainsRune(st.norm, r) && lx.charWeight(r) >= minCharWeight {
				return true
			}
		}
	}
	return false
}

// opposes reports whether the question names the opposite of what st governs (淡妆 for 不得浓妆): then the
// prohibition does not speak to the act asked.
func opposes(st *lexStmt, us []unit) bool {
	for _, u := range us {
		if hasOpposite(st.norm, u) {
			return true
		}
	}
	return false
}

// actCoverage is the share of the question's act (its units of full weight, not the scene) that a statement
// accounts for: thesaurus words by their senses, other characters by the statement's bigrams.
func actCoverage(st *lexStmt, us []unit, lx *lexicon) float64 {
	var num, den float64
	for _, u := range us {
		if u.weight < 1 {
			continue
		}
		if len(u.senses) > 0 {
			w := math.Max(1.5, float64(u.runes))
			den += w
			num += w * senseHit(st.norm, u, 0.6)
			continue
		}
		rs := []rune(u.text)
		for i := range rs {
			den++
			for _, j := range []int{i - 1, i} {
				if j >= 0 && j+1 < len(rs) && st.grams[string(rs[j:j+2])] {
					num++
					break
				}
			}
		}
	}
	if den == 0 {
		return 1
	}
	return num / den
}

// hasOpposite reports whether u names the opposite of a formal word the text has — unless the text names that
// opposite side itself (不得将制服与便装混穿, asked 穿自己衣服行吗: the statement is about 便装, not 制服 alone).
func hasOpposite(text string, u unit) bool {
	for _, s := range u.senses {
		if s.rel != opposite || containsAnyWord(text, s.side) {
			continue
		}
		for _, f := range s.formal {
			if strings.Contains(text, f) {
				return true
			}
		}
	}
	return false
}

// sceneWeight is how much the context of a question counts when choosing the statement that decides its
// verdict: in 大爷问了五遍，我能不理他吗 the verdict is about 不理, not about 问.
const sceneWeight = 0.25

// decideVerdict reads the verdict off the deciding statement and the question's form. A question that names the
// opposite of what the statement governs (便装 where the rule says 制服) asks about breaking it; one that asks
// about not doing something (可以不起立吗) asks whether the rule may be skipped.
func decideVerdict(q question, d decision) Verdict {
	if d.st == nil || q.kind == askPlain || !d.strong {
		return NoVerdict
	}
	m := d.st.statement.Modality
	if d.opposite && q.kind != askRule { // 字写得潦草有要求吗 asks what the rule requires, not about 潦草
		switch m {
		case rules.Required:
			m = rules.Prohibited
		case rules.Prohibited:
			m = rules.Required
		}
	}
	switch {
	case m == rules.None:
		return NoVerdict
	case m == rules.Prohibited:
		return Forbidden
	case m == rules.Required && q.negated && q.kind == askPermission:
		return Forbidden
	case m == rules.Required && q.kind == askPermission:
		return Allowed // 能不能特事特办: yes — the code even asks for it
	case m == rules.Required:
		return Required
	case q.kind == askRule:
		return NoVerdict
	default:
		return Allowed
	}
}

// workContext are words that place a question at work.
var workContext = regexp.MustCompile(`窗口|上班|上岗|工作|在岗|岗位|群众|服务对象|办事|来办|来人|人家|同事|领导|柜台|大厅|中心|单位|接待|业务|审批|材料|科室|工位|值班|规范|规定|规矩|礼貌|考核|违规|扣分|员工|职工|工作人员|暗访|检查|申请|办证|办件|证照|手续|咨询|电话|部门`)

// questionWord marks a question that asks something (rather than naming a topic, like 工服).
var questionWord = regexp.MustCompile(`啥|什么|怎么|如何|哪|谁|吗|呢|么|[^\s]不[^\s]`)

// offTopicEvidence is the most evidence (in characters) an off-topic question may have: one everyday word.
const offTopicEvidence = 2

// offTopic reports whether a plain question without any workplace word is tied to the clause only through one
// short everyday word of the thesaurus (吃 in 今晚吃啥): none of its own words is the code's.
func offTopic(q question, us []unit, d *lexDoc, evidence float64) bool {
	if q.kind != askPlain || evidence > offTopicEvidence || workContext.MatchString(q.text) || !questionWord.MatchString(q.text) {
		return false
	}
	for _, u := range us {
		if len(u.senses) > 0 {
			if strings.Contains(d.norm, u.text) && utf8.RuneCountInString(u.text) >= 2 {
				return false // the code's own word
			}
			continue
		}
		rs := []rune(u.text)
		for j := 0; j+1 < len(rs); j++ {
			if d.tf[string(rs[j:j+2])] >= 1 {
				return false
			}
		}
	}
	return true
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
