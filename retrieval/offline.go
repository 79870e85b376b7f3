package retrieval

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// OfflineDims is the length of offline vectors: features are hashed into this many dimensions.
const OfflineDims = 1024

// OfflineEmbedder needs no network and no model: a text's vector is its character unigrams and bigrams plus the
// formal words its everyday words stand for (from the thesaurus), weighted by IDF over the code's clauses and
// hashed into OfflineDims signed dimensions. It is fitted to one code: its Model() names the fit, so a changed
// code or thesaurus gets vectors of its own.
type OfflineEmbedder struct {
	th      *Thesaurus
	idf     map[string]float64
	unknown float64 // IDF of a feature no clause has
	model   string
}

// NewOfflineEmbedder fits the embedder to the texts of a code's clauses.
func NewOfflineEmbedder(th *Thesaurus, corpus []string) *OfflineEmbedder {
	e := &OfflineEmbedder{th: th, idf: map[string]float64{}}
	df := map[string]int{}
	for _, text := range corpus {
		seen := map[string]bool{}
		for f := range e.rawFeatures(text) {
			if !seen[f] {
				seen[f] = true
				df[f]++
			}
		}
	}
	n := float64(len(corpus))
	keys := make([]string, 0, len(df))
	for f, d := range df {
		e.idf[f] = idf(n, float64(d))
		keys = append(keys, f)
	}
	e.unknown = idf(n, 0)
	sort.Strings(keys)
	h := fnv.New64a()
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%d;", k, df[k])
	}
	fmt.Fprintf(h, "th=%s", th.Version())
	e.model = fmt.Sprintf("offline-ngram-%d@%016x", OfflineDims, h.Sum64())
	return e
}

// Model names the embedder and its fit.
func (e *OfflineEmbedder) Model() string { return e.model }

// Embed returns unit vectors; it never fails and never blocks.
func (e *OfflineEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.embed(t)
	}
	return out, nil
}

func (e *OfflineEmbedder) embed(text string) []float32 {
	v := make([]float32, OfflineDims)
	for f, w := range e.rawFeatures(text) {
		idf, ok := e.idf[f]
		if !ok {
			idf = e.unknown
		}
		h := fnv.New64a()
		h.Write([]byte(f))
		x := h.Sum64()
		sign := float32(1)
		if x>>63 == 1 {
			sign = -1
		}
		v[x%OfflineDims] += sign * float32(w*idf)
	}
	return Normalize(v)
}

// rawFeatures are a text's weighted features before IDF: grams, and "c:" concepts from the thesaurus.
func (e *OfflineEmbedder) rawFeatures(text string) map[string]float64 {
	outside, inside := stripQuotes(text)
	fs := map[string]float64{}
	add := func(s string, w float64) {
		n := normalize(s)
		for _, g := range grams(n, true) {
			gw := w
			if strings.HasPrefix(g, "1:") {
				gw *= unigramWeight
			}
			fs[g] += gw
		}
		for _, m := range e.th.scan(n) {
			for _, s := range m.senses {
				cw := w
				if s.rel == related {
					cw *= 0.5
				}
				for _, f := range s.formal {
					fs["c:"+f] += cw
				}
			}
		}
	}
	add(outside, 1)
	add(inside, quotedWeight)
	// Formal words in the text itself are concepts too, so 胡须 in a clause meets 胡子 in a question.
	n := normalize(outside)
	for f := range e.th.formalWords() {
		if strings.Contains(n, f) {
			fs["c:"+f] += 1
		}
	}
	return fs
}
