package retrieval

import (
	"time"
)

// Tuning: the weights of the ranking and the thresholds of abstention and verdicts.

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
