package retrieval

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIConfig configures the clients of an OpenAI-compatible server (OpenAI, Ollama, vLLM, DashScope…). The
// embedder reads EmbeddingModel, the answer writer ChatModel; the rest is shared.
type OpenAIConfig struct {
	// APIKey is sent as "Authorization: Bearer …" when set (local servers such as Ollama need none). It is
	// never logged.
	APIKey string
	// BaseURL is the API root, e.g. https://api.openai.com/v1 (the default), http://localhost:11434 or
	// https://dashscope.aliyuncs.com/compatible-mode/v1. A URL without a path gets "/v1" appended; any other
	// path is used as given.
	BaseURL        string
	EmbeddingModel string
	ChatModel      string
	// Timeout bounds each HTTP request (each attempt). Default 15 s for embeddings, 20 s for answers.
	Timeout time.Duration
	// BatchSize is the number of texts per embeddings request. Default 64.
	BatchSize int
	// MaxRetries is how many times a failed embeddings request is retried (429, 5xx, timeouts, connection
	// errors). Default 3; negative means never. The answer writer retries at most once, never when negative.
	MaxRetries int
	// Dimensions asks the server for vectors of this length (OpenAI text-embedding-3-*) and checks that they
	// have it. Zero: the model's own length, whatever it is, but the same for every vector.
	Dimensions int
	// QueryCacheSize bounds the in-memory LRU of query vectors. Default 1000; negative disables it.
	QueryCacheSize int
	// HTTPClient sends the requests. Default: a plain http.Client (the timeouts come from contexts).
	HTTPClient *http.Client
	// Sleep waits between retries. Default: a timer, cut short by ctx. Tests inject one that only records.
	Sleep func(context.Context, time.Duration) error
	// Log receives retries and dropped citations. Default: discarded.
	Log *slog.Logger
}

// Errors of the OpenAI-compatible clients. Every error from a request is a *ServiceError, which wraps exactly
// one of them together with the library's error (*openai.APIError, *openai.RequestError, a network or a
// context error), so both errors.Is and errors.As work.
var (
	// ErrUnavailable: the server could not be reached, timed out, was rate-limited (429) or failed (5xx), even
	// after the retries. Callers fall back to offline retrieval or the extractive answer.
	ErrUnavailable = errors.New("OpenAI-compatible API unavailable")
	// ErrRejected: the request itself was refused: wrong API key, unknown model, bad input (4xx other than
	// 429), or a request the library refuses to send. A configuration or programming error; retrying will not
	// help.
	ErrRejected = errors.New("OpenAI-compatible API rejected the request")
	// ErrBadResponse: the server answered 2xx with something unusable: malformed JSON, a missing vector, vectors
	// of the wrong length, an empty answer.
	ErrBadResponse = errors.New("OpenAI-compatible API returned an unusable response")
)

// ServiceError is the error of one call to the server, after retries.
type ServiceError struct {
	Op         string // "embeddings" or "chat completions"
	Kind       error  // ErrUnavailable, ErrRejected or ErrBadResponse
	StatusCode int    // HTTP status of the last response; 0 when none came
	Message    string // the server's own message, or what went wrong
	Attempts   int    // requests sent
	Err        error  // the underlying error, if any
}

func (e *ServiceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openai %s: %v", e.Op, e.Kind)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (%d attempts)", e.Attempts)
	}
	return b.String()
}

// Unwrap returns the kind and the underlying error.
func (e *ServiceError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

const (
	defaultOpenAIBaseURL   = "https://api.openai.com/v1"
	defaultEmbedTimeout    = 15 * time.Second
	defaultEmbedBatchSize  = 64
	defaultEmbedMaxRetries = 3
	defaultQueryCacheSize  = 1000

	oaiBackoffBase = 500 * time.Millisecond
	oaiBackoffMax  = 10 * time.Second
	// A server asking to wait longer than this is treated as down rather than waited for.
	embedMaxRetryAfter = time.Minute
)

// OpenAIEmbedder embeds texts with the /embeddings endpoint of an OpenAI-compatible server. It is safe for
// concurrent use.
type OpenAIEmbedder struct {
	client *openai.Client
	model  string
	dims   int // configured dimensions, 0 if none
	batch  int
	policy oaiRetryPolicy
	log    *slog.Logger
	cache  *vecLRU

	seenDims atomic.Int64 // vector length of this model once known, so that calls never mix lengths
}

var _ Embedder = (*OpenAIEmbedder)(nil)

// NewOpenAIEmbedder checks cfg and returns an embedder. It sends no request.
func NewOpenAIEmbedder(cfg OpenAIConfig) (*OpenAIEmbedder, error) {
	model := strings.TrimSpace(cfg.EmbeddingModel)
	if model == "" {
		return nil, errors.New("openai embedder: EmbeddingModel is required")
	}
	if cfg.Dimensions < 0 {
		return nil, fmt.Errorf("openai embedder: Dimensions %d is negative", cfg.Dimensions)
	}
	client, base, red, err := newOpenAIClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("openai embedder: %w", red.err(err))
	}
	e := &OpenAIEmbedder{
		client: client,
		model:  model,
		dims:   cfg.Dimensions,
		batch:  oaiDefault(cfg.BatchSize, defaultEmbedBatchSize),
		policy: oaiRetryPolicy{
			op:            "embeddings",
			timeout:       oaiDefault(cfg.Timeout, defaultEmbedTimeout),
			maxRetries:    oaiRetries(cfg.MaxRetries, defaultEmbedMaxRetries),
			retryTimeouts: true,
			maxRetryAfter: embedMaxRetryAfter,
			sleep:         cfg.Sleep,
			log:           oaiLogger(cfg.Log),
			redact:        red,
		},
		log: oaiLogger(cfg.Log),
	}
	if e.policy.sleep == nil {
		e.policy.sleep = oaiSleep
	}
	if n := oaiDefault(cfg.QueryCacheSize, defaultQueryCacheSize); n > 0 {
		e.cache = newVecLRU(n)
	}
	if e.dims > 0 {
		e.seenDims.Store(int64(e.dims))
	}
	e.log.Debug("openai embedder ready", "base_url", base, "model", model, "dimensions", e.dims, "batch", e.batch)
	return e, nil
}

// Model names the embedding model: "openai:<model>", or "openai:<model>?dimensions=<n>" when Dimensions is
// set. Vectors from different names never mix.
func (e *OpenAIEmbedder) Model() string {
	if e.dims > 0 {
		return fmt.Sprintf("openai:%s?dimensions=%d", e.model, e.dims)
	}
	return "openai:" + e.model
}

// Dims is the length of the vectors: the configured Dimensions, else the length seen in the first response,
// else 0.
func (e *OpenAIEmbedder) Dims() int { return int(e.seenDims.Load()) }

// Embed returns one unit vector per text, in order. Texts are sent in batches of BatchSize, each text once;
// a text embedded alone (a question) is remembered in the query cache, and any text found there costs no
// request. Empty input returns nil without a request.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	out := make([][]float32, len(texts))
	var pending []string        // distinct texts to send, in order of first appearance
	where := map[string][]int{} // text → its positions in texts
	for i, t := range texts {
		if v, ok := e.cache.get(t); ok {
			out[i] = v
			continue
		}
		if _, seen := where[t]; !seen {
			pending = append(pending, t)
		}
		where[t] = append(where[t], i)
	}
	for start := 0; start < len(pending); start += e.batch {
		batch := pending[start:min(start+e.batch, len(pending))]
		vecs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		for j, v := range vecs {
			for k, i := range where[batch[j]] {
				if k == 0 {
					out[i] = v
				} else {
					out[i] = cloneVec(v)
				}
			}
			if len(texts) == 1 {
				e.cache.put(batch[j], cloneVec(v))
			}
		}
	}
	return out, nil
}

// embedBatch sends one embeddings request (with retries) and checks its answer.
func (e *OpenAIEmbedder) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	req := openai.EmbeddingRequestStrings{
		Input: batch,
		Model: openai.EmbeddingModel(e.model),
		// Explicitly float: with base64, Ollama-style servers return vectors a quarter of the length.
		EncodingFormat: openai.EmbeddingEncodingFormatFloat,
		Dimensions:     e.dims,
	}
	resp, attempts, err := oaiCall(ctx, e.policy, func(ctx context.Context) (openai.EmbeddingResponse, error) {
		return e.client.CreateEmbeddings(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return &ServiceError{Op: "embeddings", Kind: ErrBadResponse, StatusCode: http.StatusOK,
			Message: fmt.Sprintf(format, args...), Attempts: attempts}
	}
	if len(resp.Data) != len(batch) {
		return nil, bad("%d vectors for %d inputs", len(resp.Data), len(batch))
	}
	vecs := make([][]float32, len(batch))
	// Some servers (older llama.cpp) number every item 0; they answer in order, so take the order as given.
	positional := len(batch) > 1
	for _, d := range resp.Data {
		if d.Index != 0 {
			positional = false
		}
	}
	for k, d := range resp.Data {
		i := d.Index
		if positional {
			i = k
		}
		if i < 0 || i >= len(batch) || vecs[i] != nil {
			return nil, bad("vector index %d is out of range or repeated (batch of %d)", d.Index, len(batch))
		}
		if len(d.Embedding) == 0 {
			return nil, bad("empty vector at index %d", d.Index)
		}
		vecs[i] = d.Embedding
	}
	n := len(vecs[0])
	for i, v := range vecs {
		if len(v) != n {
			return nil, bad("vectors of different lengths in one response: %d at index 0, %d at index %d", n, len(v), i)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, bad("vector %d holds NaN or Inf", i)
			}
		}
	}
	if e.dims > 0 && n != e.dims {
		return nil, bad("vectors have %d dimensions, configured Dimensions is %d (does model %q support the dimensions parameter?)", n, e.dims, e.model)
	}
	if !e.seenDims.CompareAndSwap(0, int64(n)) {
		if want := e.seenDims.Load(); int64(n) != want {
			return nil, bad("vectors have %d dimensions, earlier ones of model %q had %d", n, e.model, want)
		}
	}
	for _, v := range vecs {
		Normalize(v)
	}
	return vecs, nil
}

// newOpenAIClient builds a go-openai client for cfg; it returns the API root it uses, safe to log, and the
// redactor of cfg's secrets (the API key, and the user info and query values of the base URL). A query in the
// base URL (where some proxies take a key) is sent with every request.
func newOpenAIClient(cfg OpenAIConfig) (*openai.Client, string, oaiRedactor, error) {
	red := newOAIRedactor(cfg.APIKey, cfg.BaseURL)
	base, err := openAIBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, "", red, err
	}
	var query url.Values
	if u, err := url.Parse(base); err == nil && u.RawQuery != "" {
		query = u.Query()
		u.RawQuery, u.ForceQuery = "", false
		base = u.String()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = oaiHeaderDoer{next: hc, query: query}
	return openai.NewClientWithConfig(oc), oaiRedactURL(base), red, nil
}

// oaiRedactor hides secrets in text bound for a log or an error: a server may echo the Authorization header in
// an error body, and a URL in a network error carries the base URL's query.
type oaiRedactor struct {
	secrets []string // longest first, each also as URL-escaped
}

// oaiMinSecret is the shortest value hidden: shorter ones ("1", "v1") would mangle every message and hide
// nothing worth hiding.
const oaiMinSecret = 4

const oaiRedacted = "[REDACTED]"

var (
	oaiBearerRE = regexp.MustCompile(`(?i)(bearer|basic)(\s+)[^\s"',;}\]]+`)
	oaiURLRE    = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)
	oaiKeyRE    = regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{8,}`)
)

func newOAIRedactor(apiKey, rawBase string) oaiRedactor {
	var secrets []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < oaiMinSecret {
			return
		}
		secrets = append(secrets, v, url.QueryEscape(v), url.PathEscape(v))
	}
	add(apiKey)
	if u, err := url.Parse(strings.TrimSpace(rawBase)); err == nil {
		if u.User != nil {
			add(u.User.Username())
			pw, _ := u.User.Password()
			add(pw)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
	}
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return oaiRedactor{secrets: secrets}
}

// redact returns s with the secrets, bearer and basic credentials, anything shaped like an OpenAI key, and the
// user info and query of every URL replaced by [REDACTED].
func (r oaiRedactor) redact(s string) string {
	s = oaiBearerRE.ReplaceAllString(s, "${1}${2}"+oaiRedacted)
	s = oaiKeyRE.ReplaceAllString(s, oaiRedacted)
	s = oaiURLRE.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return oaiRedacted
		}
		if u.User != nil {
			u.User = url.User(oaiRedacted)
		}
		if u.RawQuery != "" {
			u.RawQuery = oaiRedacted
		}
		return u.String()
	})
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, oaiRedacted)
	}
	return s
}

// err returns err with its message redacted; errors.Is and errors.As still see err.
func (r oaiRedactor) err(err error) error {
	if err == nil {
		return nil
	}
	return &oaiRedactedError{msg: r.redact(err.Error()), err: err}
}

type oaiRedactedError struct {
	msg string
	err error
}

func (e *oaiRedactedError) Error() string { return e.msg }
func (e *oaiRedactedError) Unwrap() error { return e.err }

// openAIBaseURL normalizes the configured API root: empty means OpenAI's; a bare host gets "/v1"; trailing
// slashes go.
func openAIBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return defaultOpenAIBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q is not an http(s) URL", oaiRedactURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u.String(), nil
}

// oaiRedactURL drops any user:password and query (where some proxies take a key) from a URL before it is
// logged or put in an error.
func oaiRedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery = nil, "", false
	return u.String()
}

func oaiLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// oaiDefault returns v, or def when v is zero or negative.
func oaiDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// retries maps MaxRetries to a count: 0 → def, negative → none.
func oaiRetries(v, def int) int {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return v
}

func cloneVec(v []float32) []float32 { return append([]float32(nil), v...) }

// oaiSleep waits d, or until ctx is done.
func oaiSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ---- retries ----

// oaiRetryPolicy says how one kind of call is retried.
type oaiRetryPolicy struct {
	op            string
	timeout       time.Duration // per attempt
	maxRetries    int
	retryTimeouts bool          // whether an attempt that timed out is retried
	maxRetryAfter time.Duration // longest Retry-After honoured; longer ones end the call
	sleep         func(context.Context, time.Duration) error
	log           *slog.Logger
	redact        oaiRedactor // applied to every message logged or returned
}

// oaiResponseInfo is what oaiHeaderDoer saw of the last response of an attempt; go-openai's errors carry no
// headers.
type oaiResponseInfo struct {
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
}

type oaiResponseInfoKey struct{}

// oaiHeaderDoer hands requests to the HTTP client and notes the status and Retry-After of each response in the
// oaiResponseInfo of the request's context.
// It adds the base URL's query to each request.
type oaiHeaderDoer struct {
	next  *http.Client
	query url.Values
}

func (d oaiHeaderDoer) Do(req *http.Request) (*http.Response, error) {
	if len(d.query) > 0 {
		q := req.URL.Query()
		for k, vs := range d.query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		req.URL.RawQuery = q.Encode()
	}
	resp, err := d.next.Do(req)
	if err == nil {
		if info, ok := req.Context().Value(oaiResponseInfoKey{}).(*oaiResponseInfo); ok {
			info.status = resp.StatusCode
			info.retryAfter, info.hasRetryAfter = parseRetryAfter(resp.Header, time.Now())
		}
	}
	return resp, err
}

// parseRetryAfter reads "retry-after-ms" (OpenAI) or "Retry-After" (seconds or an HTTP date).
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if s := strings.TrimSpace(h.Get("Retry-After-Ms")); s != "" {
		if ms, err := strconv.ParseFloat(s, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	s := strings.TrimSpace(h.Get("Retry-After"))
	if s == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 && !math.IsInf(secs, 0) {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(s); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff is the wait before retry n (1-based): exponential from oaiBackoffBase, capped at oaiBackoffMax, with
// "equal jitter" (half fixed, half random) so that clients that failed together do not retry together.
func oaiBackoff(n int) time.Duration {
	d := oaiBackoffMax
	if n <= 10 {
		d = min(oaiBackoffBase<<(n-1), oaiBackoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// oaiCall runs call, each attempt under its own timeout, retrying what p allows. It returns the
// number of attempts made. Errors are *ServiceError, except when the caller's ctx ends: then ctx's error,
// wrapped.
func oaiCall[T any](ctx context.Context, p oaiRetryPolicy, call func(context.Context) (T, error)) (T, int, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return zero, attempt - 1, fmt.Errorf("openai %s: %w", p.op, err)
		}
		info := &oaiResponseInfo{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, oaiResponseInfoKey{}, info), p.timeout)
		res, err := call(actx)
		timedOut := err != nil && errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			return res, attempt, nil
		}
		if ctx.Err() != nil { // the caller gave up or its deadline passed: not the server's fault
			return zero, attempt, fmt.Errorf("openai %s: %w", p.op, errors.Join(ctx.Err(), p.redact.err(err)))
		}
		se, retryable := classifyOpenAIError(p.op, err, info, timedOut, p.timeout)
		se.Attempts = attempt
		se.Message = p.redact.redact(se.Message)
		se.Err = p.redact.err(se.Err)
		if !retryable || (timedOut && !p.retryTimeouts) || attempt > p.maxRetries {
			return zero, attempt, se
		}
		wait := oaiBackoff(attempt)
		if info.hasRetryAfter {
			if info.retryAfter > p.maxRetryAfter {
				se.Message += fmt.Sprintf(" (server asks to retry after %v)", info.retryAfter)
				return zero, attempt, se
			}
			wait = info.retryAfter
		}
		p.log.Warn("openai request failed, retrying", "op", p.op, "attempt", attempt, "status", se.StatusCode,
			"error", se.Message, "wait", wait)
		if err := p.sleep(ctx, wait); err != nil {
			return zero, attempt, fmt.Errorf("openai %s: %w (waiting to retry after: %v)", p.op, err, se)
		}
	}
}

// classifyOpenAIError turns an error of go-openai into a ServiceError and says whether it is worth retrying.
func classifyOpenAIError(op string, err error, info *oaiResponseInfo, timedOut bool, timeout time.Duration) (*ServiceError, bool) {
	se := &ServiceError{Op: op, Err: err, StatusCode: info.status}
	byStatus := func(code int) bool {
		se.StatusCode = code
		if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 {
			se.Kind = ErrUnavailable
			return true
		}
		se.Kind = ErrRejected
		return false
	}
	// RequestError first: a body that is not OpenAI's {"error":{…}} (Ollama's {"error":"…"}, an HTML page of
	// a proxy) yields a RequestError that wraps an empty APIError.
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		se.Message = openAIBodyMessage(reqErr.Body)
		if se.Message == "" {
			se.Message = reqErr.HTTPStatus
		}
		return se, byStatus(reqErr.HTTPStatusCode)
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		se.Message = apiErr.Message
		if apiErr.Type != "" {
			se.Message += " [" + apiErr.Type + "]"
		}
		retry := byStatus(apiErr.HTTPStatusCode)
		if apiErr.Code == "insufficient_quota" || apiErr.Type == "insufficient_quota" {
			retry = false // a 429 that waiting does not cure
		}
		return se, retry
	}
	if timedOut || errors.Is(err, context.DeadlineExceeded) {
		se.Kind, se.StatusCode = ErrUnavailable, 0
		se.Message = fmt.Sprintf("no answer within %v", timeout)
		if info.status != 0 {
			se.Message = fmt.Sprintf("response not complete within %v", timeout)
		}
		return se, true
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) ||
		(info.status >= 200 && info.status < 300 && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))) {
		se.Kind = ErrBadResponse
		se.Message = "malformed JSON: " + err.Error()
		return se, false
	}
	var netErr net.Error
	var urlErr *url.Error
	if errors.As(err, &netErr) || errors.As(err, &urlErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		se.Kind = ErrUnavailable
		se.Message = err.Error() // url.Error names the URL with its query: redacted by oaiCall
		return se, true
	}
	// What is left comes from the library refusing the request before sending it.
	se.Kind = ErrRejected
	se.Message = err.Error()
	return se, false
}

// openAIBodyMessage digs a human message out of an error body that is not OpenAI's format: Ollama's
// {"error":"…"}, vLLM's {"message":"…"}, FastAPI's {"detail":"…"}; otherwise the start of the body.
func openAIBodyMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"error", "message", "detail"} {
			raw, ok := m[k]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil && s != "" {
				return s
			}
			var inner struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(raw, &inner) == nil && inner.Message != "" {
				return inner.Message
			}
		}
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// ---- query cache ----

// vecLRU is a bounded map from text to vector, dropping the least recently used. A nil *vecLRU caches nothing.
type vecLRU struct {
	mu    sync.Mutex
	cap   int
	order *list.List // front: most recent; values are *vecLRUEntry
	items map[string]*list.Element
}

type vecLRUEntry struct {
	key string
	vec []float32
}

func newVecLRU(n int) *vecLRU {
	return &vecLRU{cap: n, order: list.New(), items: make(map[string]*list.Element, n)}
}

// get returns a copy of the vector of key.
func (c *vecLRU) get(key string) ([]float32, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return cloneVec(el.Value.(*vecLRUEntry).vec), true
}

// put stores vec (which the cache then owns) under key.
func (c *vecLRU) put(key string, vec []float32) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*vecLRUEntry).vec = vec
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&vecLRUEntry{key: key, vec: vec})
	for c.order.Len() > c.cap {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*vecLRUEntry).key)
	}
}

func (c *vecLRU) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
