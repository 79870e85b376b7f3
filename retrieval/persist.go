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
const indexFormat = "ix3"

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

// lazyDocs is what a lexicon loaded from its stored index prepares of a document when it first becomes a
// candidate: its frequencies and statements (from its clause) and its topic bigrams (from the stored index).
type lazyDocs struct {
	once []sync.Once
	// topics of document i: uvarint deltas of indexes into names, in data[at[2i]:at[2i+1]].
	data  string
	at    []int32
	names []string
}

// topics decodes the topic bigrams of document i, checked when the index was loaded.
func (z *lazyDocs) topics(i int) map[string]bool {
	r := &decoder{s: z.data[z.at[2*i]:z.at[2*i+1]]}
	m := make(map[string]bool, len(r.s)) // about a byte each
	t := 0
	for len(r.s) > 0 {
		t += int(r.uint())
		m[z.names[t]] = true
	}
	return m
}

// doc returns document i, preparing it first when the lexicon was loaded: only the candidates of a question
// are ever prepared.
func (lx *lexicon) doc(i int) *lexDoc {
	if z := lx.lazy; z != nil {
		z.once[i].Do(func() {
			d := &lx.docs[i]
			full := newLexDoc(d.clause, lx.th, func(string) {})
			full.learn(lx.lessons.byClause[d.clause.ID], lx.th)
			d.norm, d.tf, d.stmts = full.norm, full.tf, full.stmts
			d.topic = z.topics(i)
		})
	}
	return &lx.docs[i]
}

// The encoding: uvarints, float64 as their bits, strings as length and bytes.

type encoder struct{ b []byte }

func (w *encoder) uint(x uint64)   { w.b = binary.AppendUvarint(w.b, x) }
func (w *encoder) float(x float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x)) }
func (w *encoder) str(s string)    { w.uint(uint64(len(s))); w.b = append(w.b, s...) }

// decoder reads an encoded index from a string, so that the strings it returns are parts of it: one copy of the
// stored bytes instead of an allocation per gram.
type decoder struct {
	s   string
	err error
}

func (r *decoder) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.s = ""
}

func (r *decoder) uint() uint64 {
	var x uint64
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflows 64 bits
			}
			r.s = r.s[i+1:]
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	r.fail("truncated number")
	return 0
}

// count reads a length that cannot exceed what is left (each item takes at least a byte).
func (r *decoder) count() int {
	n := r.uint()
	if n > uint64(len(r.s)) {
		r.fail("length beyond the data")
		return 0
	}
	return int(n)
}

func (r *decoder) float() float64 {
	if len(r.s) < 8 {
		r.fail("truncated float")
		return 0
	}
	var x uint64
	for i := 7; i >= 0; i-- {
		x = x<<8 | uint64(r.s[i])
	}
	r.s = r.s[8:]
	return math.Float64frombits(x)
}

func (r *decoder) str() string {
	n := r.count()
	s := r.s[:n]
	r.s = r.s[n:]
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

// encodeIndex writes what newLexicon and NewOfflineEmbedder computed that is costly to compute again: the
// postings (from which the document frequencies and IDFs follow); per clause its length, penalty mark and topic
// bigrams; the code's bigrams; the specificities of formal words and topic bigrams; the embedder's fit. A
// clause's frequencies and statements are prepared again when it first becomes a candidate, and its topics
// read then: each clause's topics are a block of bytes that loading skips.
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
	total := 0
	body.uint(uint64(len(grams)))
	for _, g := range grams {
		ps := lx.post[g]
		total += len(ps)
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
	body.uint(uint64(len(topics)))
	for _, g := range topics {
		body.str(g)
		body.float(lx.topic[g])
	}
	block := &encoder{}
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
		block.b = block.b[:0]
		last := 0
		for _, t := range ts {
			block.uint(uint64(t - last))
			last = t
		}
		body.str(string(block.b))
	}
	w.uint(uint64(len(table)))
	for _, x := range table {
		w.float(x)
	}
	w.uint(uint64(total))
	w.b = append(w.b, body.b...)
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

// decodeIndex reads an index written by encodeIndex for code, with thesaurus th. What it returns shares one
// copy of data (its strings are parts of it); the clauses' topics stay encoded there until doc prepares them.
func decodeIndex(data []byte, code *rules.Code, th *Thesaurus) (*lexicon, *OfflineEmbedder, error) {
	if len(data) > math.MaxInt32 {
		return nil, nil, errors.New("stored index: over 2 GB") // offsets into it are int32
	}
	all := string(data)
	r := &decoder{s: all}
	if f := r.str(); f != indexFormat {
		return nil, nil, fmt.Errorf("index format %q, want %q", f, indexFormat)
	}
	n := int(r.uint())
	if r.err == nil && n != len(code.Clauses) {
		return nil, nil, fmt.Errorf("an index of %d clauses for a code of %d", n, len(code.Clauses))
	}
	z := &lazyDocs{once: make([]sync.Once, n), data: all, at: make([]int32, 2*n)}
	lx := &lexicon{avgLen: r.float(), docs: make([]lexDoc, n), lazy: z, th: th}
	table := make([]float64, r.count())
	for i := range table {
		table[i] = r.float()
	}
	total := r.count()
	backing := make([]posting, total)
	ng := r.count()
	lx.post = make(map[string][]posting, ng)
	lx.idf = make(map[string]float64, ng)
	nf := float64(n)
	for range ng {
		g := r.str()
		c := r.count()
		if c > len(backing) {
			r.fail("more postings than counted")
			break
		}
		ps := backing[:c:c]
		backing = backing[c:]
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
	z.names = make([]string, r.count())
	lx.topic = make(map[string]float64, len(z.names))
	for i := range z.names {
		z.names[i] = r.str()
		lx.topic[z.names[i]] = r.float()
	}
	for i := range lx.docs {
		d := &lx.docs[i]
		d.clause = code.Clauses[i]
		d.length = r.float()
		d.penalty = r.uint() == 1
		block := r.count()
		start := len(all) - len(r.s)
		if r.err != nil {
			break
		}
		if !validTopics(r.s[:block], len(z.names)) {
			r.fail("topic out of range")
			break
		}
		r.s = r.s[block:]
		z.at[2*i], z.at[2*i+1] = int32(start), int32(start+block)
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
	if r.err == nil && len(r.s) != 0 {
		r.fail("trailing data")
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("stored index: %w", r.err)
	}
	lx.maxIDF = idf(nf, 0)
	return lx, emb, nil
}

// validTopics reports whether block is a clause's topics: uvarint deltas whose sums stay below names.
func validTopics(block string, names int) bool {
	r := &decoder{s: block}
	t := 0
	for len(r.s) > 0 {
		d := r.uint()
		if r.err != nil || d >= uint64(names) {
			return false
		}
		t += int(d)
		if t >= names {
			return false
		}
	}
	return true
}
