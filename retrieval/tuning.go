package retrieval

import (
	"time"
)

// Tuning holds the weights of the ranking and the thresholds of abstention and verdicts, calibrated on the
// development sets; Options.Tuning replaces DefaultTuning as a whole. Each field names the stage that reads it.
//
// Finer weights that were calibrated once and are not meant to be tuned per deployment are constants beside the
// code that reads them: unigramWeight, quotedWeight, topicWeight (lexical.go: how much a single character, a
// quoted example and a topic bigram count as evidence), contextWeight (question.go: the phrases that do not ask),
// sceneWeight, charShare, minCharWeight (verdict.go: choosing the deciding statement), offTopicEvidence
// (abstain.go), vagueFactEvidence, factRelatedHit (fact.go), exactWeight, separableWeight, typoWeight,
// wordPenalty, minFuzzyRunes (thesaurus.go: competing matches of thesaurus words).
type Tuning struct {
	// Score (score.go, rank): a clause's score is LexicalWeight × its BM25 score as a share of the best clause's
	// + CoverageWeight × the share of the question it explains (explain) + VectorWeight × its cosine similarity
	// (0 when negative).
	LexicalWeight  float64
	CoverageWeight float64
	VectorWeight   float64

	// Abstain (abstain.go): the engine abstains when the best clause explains less than MinCoverage of the
	// question, or its evidence (characters of the question it explains, weighed) is below MinEvidence; a fact
	// question (几点, 扣几分) also needs a sentence stating the fact with MinEvidence of the question's other words.
	MinCoverage float64
	MinEvidence float64

	// Compose and verdict: RelatedShown clauses are cited after the best one. A clause close to the best one —
	// its score at least RelatedMin × the best's — may be put first when it states the count asked for
	// (abstain.go), and its prohibitions may withdraw a 可以 (verdict.go, safeAllowed).
	RelatedShown int
	RelatedMin   float64

	// Verdict (verdict.go, safeAllowed). MinActCoverage: 可以 read off a requirement (the code asks for the act)
	// needs the deciding statement to account for this share of what the question asks; less, and the question
	// may name a way of doing it that breaks the rule (打招呼时盯着屏幕), so the clause is quoted without a verdict.
	MinActCoverage float64
	// MinForbidCoverage: a 可以 is withdrawn when a prohibition of the deciding clause or a close one accounts for
	// this share of the asked act.
	MinForbidCoverage float64

	// Score (score.go): VectorK clauses are fetched from vector search; Candidates is how many clauses are explained
	// in full (the best Candidates by BM25, and the vector hits; every clause when the code has no more);
	// RemoteTimeout bounds the remote embedder's answer for one question, after which offline vectors are used.
	VectorK       int
	Candidates    int
	RemoteTimeout time.Duration
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
