package retrieval

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/conductbot/conductbot/rules"
)

// IndexStore keeps the index built from a code version (the lexicon's postings, vocabulary and specificities, and
// the offline embedder's fit), so that a process loads it instead of building it again. A store implementing it
// next to VectorStore gets used by the engine.
type IndexStore interface {
	// CodeIndex returns the index of the version stored under format, or nil when there is none.
	CodeIndex(ctx context.Context, versionID int64, format string) ([]byte, error)
	// PutCodeIndex stores the index of the version under format, replacing any other format of it.
	PutCodeIndex(ctx context.Context, versionID int64, format string, data []byte) error
}

// indexFormat names the layout of an encoded index; an index stored under another format (an older layout, or
// another thesaurus) is built again.
const indexFormat = "ix2"

// IndexFormat is the format under which an engine with thesaurus th stores its indexes.
func IndexFormat(th *Thesaurus) string { return indexFormat + "/" + th.Version() }

// indexStore returns the store the engine keeps its indexes in, if any.
func (e *Engine) indexStore() IndexStore {
	if s, ok := e.opts.Vectors.(IndexStore); ok {
		return s
	}
	if s, ok := e.opts.Codes.(IndexStore); ok {
		return s
	}
	return nil
}

// buildIndex returns the lexicon and offline embedder of v: loaded from the store when it holds them in the
// current format, else built and stored.
func (e *Engine) buildIndex(ctx context.Context, v *rules.Version, th *Thesaurus, ls lessonSet) (*lexicon, *OfflineEmbedder) {
	st := e.indexStore()
	format := IndexFormat(th) + ls.key
	if st != nil {
		data, err := st.CodeIndex(ctx, v.ID, format)
		if err != nil {
			e.log.Warn("could not read the stored index; building it", "version", v.Number, "err", err)
		}
		if data != nil {
			lx, emb, err := decodeIndex(data, v.Code, th)
			if err == nil {
				lx.lessons = ls
				return lx, emb
			}
			e.log.Warn("stored index unreadable; building it", "version", v.Number, "err", err)
		}
	}
	lx := newLexicon(v.Code, th, ls)
	corpus := make([]string, len(v.Code.Clauses))
	for i, c := range v.Code.Clauses {
		corpus[i] = embedText(c)
	}
	emb := NewOfflineEmbedder(th, corpus)
	if st != nil {
		if err := st.PutCodeIndex(ctx, v.ID, format, encodeIndex(lx, emb)); err != nil {
			e.log.Warn("could not store the index", "version", v.Number, "err", err)
		}
	}
	return lx, emb
}

// doc returns document i, preparing it first when the lexicon was loaded: only the candidates of a question
// are ever prepared.
func (lx *lexicon) doc(i int) *lexDoc {
	if lx.lazy != nil {
		lx.lazy[i].Do(func() {
			d := &lx.docs[i]
			full := newLexDoc(d.clause, lx.th, func(string) {})
			full.learn(lx.lessons.byClause[d.clause.ID], lx.th)
			d.norm, d.tf, d.stmts = full.norm, full.tf, full.stmts
		})
	}
	return &lx.docs[i]
}

// The encoding: uvarints, float64 as their bits, strings as length and bytes.

type encoder struct{ b []byte }

func (w *encoder) uint(x uint64)   { w.b = binary.AppendUvarint(w.b, x) }
func (w *encoder) float(x float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x)) }
func (w *encoder) str(s string)    { w.uint(uint64(len(s))); w.b = append(w.b, s...) }

type decoder struct {
	b   []byte
	err error
}

func (r *decoder) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.b = nil
}

func (r *decoder) uint() uint64 {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated number")
		return 0
	}
	r.b = r.b[n:]
	return x
}

// count reads a length that cannot exceed what is left (each item takes at least a byte).
func (r *decoder) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail("length beyond the data")
		return 0
	}
	return int(n)
}

func (r *decoder) float() float64 {
	if len(r.b) < 8 {
		r.fail("truncated float")
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return x
}

func (r *decoder) str() string {
	n := r.count()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// sortedKeys returns the keys of m in order, so that an index encodes the same way every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// encodeIndex writes what newLexicon and NewOfflineEmbedder computed that is costly to compute again: per clause
// its length, penalty mark and topic bigrams; the postings (from which the document frequencies and IDFs
// follow); the code's bigrams; the specificities of formal words and topic bigrams; the embedder's fit. A
// clause's frequencies and statements are prepared again when it first becomes a candidate.
func encodeIndex(lx *lexicon, emb *OfflineEmbedder) []byte {
	w := &encoder{b: make([]byte, 0, 1<<16)}
	w.str(indexFormat)
	w.uint(uint64(len(lx.docs)))
	w.float(lx.avgLen)
	// Term frequencies are sums of a few weights: a table of the distinct values keeps postings small.
	values := map[float64]int{}
	var table []float64
	value := func(x float64) uint64 {
		i, ok := values[x]
		if !ok {
			i = len(table)
			values[x] = i
			table = append(table, x)
		}
		return uint64(i)
	}
	grams := sortedKeys(lx.post)
	body := &encoder{}
	body.uint(uint64(len(grams)))
	for _, g := range grams {
		ps := lx.post[g]
		body.str(g)
		body.uint(uint64(len(ps)))
		body.uint(uint64(len(ps) - lx.df[g])) // postings of lessons only: not counted in the IDF (lessonOnlyDF)
		last := 0
		for _, p := range ps {
			body.uint(uint64(p.doc - last))
			body.uint(value(p.tf))
			last = p.doc
		}
	}
	topics := sortedKeys(lx.topic)
	topicIndex := make(map[string]int, len(topics))
	for i, g := range topics {
		topicIndex[g] = i
	}
	for i := range lx.docs {
		d := &lx.docs[i]
		body.float(d.length)
		if d.penalty {
			body.uint(1)
		} else {
			body.uint(0)
		}
		ts := make([]int, 0, len(d.topic))
		for g := range d.topic {
			ts = append(ts, topicIndex[g])
		}
		sort.Ints(ts)
		body.uint(uint64(len(ts)))
		for _, t := range ts {
			body.uint(uint64(t))
		}
	}
	w.uint(uint64(len(table)))
	for _, x := range table {
		w.float(x)
	}
	w.b = append(w.b, body.b...)
	w.uint(uint64(len(topics)))
	for _, g := range topics {
		w.str(g)
		w.float(lx.topic[g])
	}
	bigrams := sortedKeys(lx.bigram)
	w.uint(uint64(len(bigrams)))
	for _, g := range bigrams {
		w.str(g)
	}
	formal := sortedKeys(lx.formal)
	w.uint(uint64(len(formal)))
	for _, f := range formal {
		w.str(f)
		w.float(lx.formal[f])
	}
	w.str(emb.model)
	w.float(emb.unknown)
	features := sortedKeys(emb.idf)
	w.uint(uint64(len(features)))
	for _, f := range features {
		w.str(f)
		w.float(emb.idf[f])
	}
	return w.b
}

// decodeIndex reads an index written by encodeIndex for code, with thesaurus th.
func decodeIndex(data []byte, code *rules.Code, th *Thesaurus) (*lexicon, *OfflineEmbedder, error) {
	r := &decoder{b: data}
	if f := r.str(); f != indexFormat {
		return nil, nil, fmt.Errorf("index format %q, want %q", f, indexFormat)
	}
	n := int(r.uint())
	if r.err == nil && n != len(code.Clauses) {
		return nil, nil, fmt.Errorf("an index of %d clauses for a code of %d", n, len(code.Clauses))
	}
	lx := &lexicon{avgLen: r.float(), docs: make([]lexDoc, n), lazy: make([]sync.Once, n), th: th}
	table := make([]float64, r.count())
	for i := range table {
		table[i] = r.float()
	}
	ng := r.count()
	lx.post = make(map[string][]posting, ng)
	lx.idf = make(map[string]float64, ng)
	nf := float64(n)
	for range ng {
		g := r.str()
		ps := make([]posting, r.count())
		learned := r.uint()
		if learned >= uint64(len(ps)) && len(ps) > 0 {
			r.fail("lesson postings out of range")
		}
		doc := 0
		for j := range ps {
			doc += int(r.uint())
			t := r.uint()
			if doc >= n || t >= uint64(len(table)) {
				r.fail("posting out of range")
				break
			}
			ps[j] = posting{doc: doc, tf: table[t]}
		}
		lx.post[g] = ps
		lx.idf[g] = idf(nf, float64(uint64(len(ps))-min(learned, uint64(len(ps)))))
	}
	topicsOf := make([][]int, n)
	for i := range lx.docs {
		d := &lx.docs[i]
		d.clause = code.Clauses[i]
		d.length = r.float()
		d.penalty = r.uint() == 1
		ts := make([]int, r.count())
		for j := range ts {
			ts[j] = int(r.uint())
		}
		topicsOf[i] = ts
	}
	topics := make([]string, r.count())
	lx.topic = make(map[string]float64, len(topics))
	for i := range topics {
		topics[i] = r.str()
		lx.topic[topics[i]] = r.float()
	}
	for i, ts := range topicsOf {
		m := make(map[string]bool, len(ts))
		for _, t := range ts {
			if t >= len(topics) {
				r.fail("topic out of range")
				break
			}
			m[topics[t]] = true
		}
		lx.docs[i].topic = m
	}
	lx.bigram = make(map[string]bool)
	for range r.count() {
		lx.bigram[r.str()] = true
	}
	lx.formal = make(map[string]float64)
	for range r.count() {
		f := r.str()
		lx.formal[f] = r.float()
	}
	emb := &OfflineEmbedder{th: th, model: r.str(), unknown: r.float()}
	nfeat := r.count()
	emb.idf = make(map[string]float64, nfeat)
	for range nfeat {
		f := r.str()
		emb.idf[f] = r.float()
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing data")
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("stored index: %w", r.err)
	}
	lx.maxIDF = idf(nf, 0)
	return lx, emb, nil
}
