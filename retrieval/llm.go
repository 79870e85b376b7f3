package retrieval

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// SourceClause is a retrieved clause the writer may cite.
type SourceClause struct{ ID, Title, Text string }

// AnswerWriter writes an answer's text from the question and retrieved clauses only.
type AnswerWriter interface {
	WriteAnswer(ctx context.Context, question string, sources []SourceClause, draft string) (string, error)
}

// NoProvisionAnswer is what an answer says when the clauses do not cover the question.
const NoProvisionAnswer = "规范中没有相关规定。"

// answerSystemPrompt tells the model how to answer. The placeholders are filled per request.
const answerSystemPrompt = `你是政务服务窗口工作人员行为规范的问答助手。请严格依据用户消息中“条款”部分给出的规范条文，回答工作人员的问题。

要求：
1. 使用简体中文回答，简洁、准确，一般不超过200字。
2. 只能依据给出的条款作答，不得使用条款以外的规定、常识或推测，不得编造条款。
3. 如果提供了“参考结论”，回答的第一句必须保持其结论（例如“不可以”“必须”“可以”），不得改变、弱化或回避该结论。
4. 每一处依据条款的说法，都在句末用【条款编号】注明出处，例如【1.3.3】；只能使用给出的条款编号，不要写其他形式的编号。
5. 如果给出的条款没有涉及所问内容，只回答：规范中没有相关规定。
6. 不要重复问题，不要输出与问题无关的内容，不要使用Markdown标题。`

const (
	defaultAnswerTimeout = 20 * time.Second
	// answerTemperature stands for 0. go-openai v1.43.0 declares ChatCompletionRequest.Temperature as
	// float32 with omitempty, so 0 is dropped and the server applies its default (1 on OpenAI). The library
	// offers no pointer or extra-body field for chat completions; its maintainers suggest a tiny positive
	// value (issue #9). 1e-4 is effectively greedy decoding everywhere, and unlike math.SmallestNonzeroFloat32
	// (1e-45, a denormal) it cannot overflow logits/temperature to Inf in float32 inference servers.
	answerTemperature float32 = 0.0001
	// answerSeed asks servers that support it (OpenAI, vLLM, Ollama) for reproducible sampling.
	answerSeed = 0
	// answerMaxTokens bounds runaway generations; a Chinese answer of 200 characters needs far fewer.
	answerMaxTokens = 1024
	// answerMaxRetryAfter: a chat user does not wait longer; the caller falls back to the extractive draft.
	answerMaxRetryAfter = 10 * time.Second
	// llmMaxQuestionRunes bounds what a user's question adds to the prompt.
	llmMaxQuestionRunes = 500
)

// chatModel is what a writer needs to ask an OpenAI-compatible server's /chat/completions: the client, the model
// and the retry policy of its calls. OpenAIAnswerWriter and OpenAILessonWriter differ only in that policy.
type chatModel struct {
	client *openai.Client
	model  string
	policy oaiRetryPolicy
	log    *slog.Logger
}

// newChatModel checks cfg (ChatModel is required) and makes the client; policy gets cfg's sleep (or the real
// one), the logger and the redactor. what names the writer in errors; base is the server's URL, for logging.
func newChatModel(cfg OpenAIConfig, what string, policy oaiRetryPolicy) (m chatModel, base string, err error) {
	model := strings.TrimSpace(cfg.ChatModel)
	if model == "" {
		return chatModel{}, "", fmt.Errorf("%s: ChatModel is required", what)
	}
	client, base, red, err := newOpenAIClient(cfg)
	if err != nil {
		return chatModel{}, "", fmt.Errorf("%s: %w", what, red.err(err))
	}
	policy.sleep, policy.log, policy.redact = cfg.Sleep, oaiLogger(cfg.Log), red
	if policy.sleep == nil {
		policy.sleep = oaiSleep
	}
	return chatModel{client: client, model: model, policy: policy, log: policy.log}, base, nil
}

// OpenAIAnswerWriter writes answers with the /chat/completions endpoint of an OpenAI-compatible server. It is
// safe for concurrent use.
type OpenAIAnswerWriter struct{ chatModel }

var _ AnswerWriter = (*OpenAIAnswerWriter)(nil)

// NewOpenAIAnswerWriter checks cfg (ChatModel is required) and returns a writer. It sends no request.
// Requests time out after cfg.Timeout (default 20 s) and are retried at most once, on 429, 5xx or a
// connection error, never after a timeout.
func NewOpenAIAnswerWriter(cfg OpenAIConfig) (*OpenAIAnswerWriter, error) {
	m, base, err := newChatModel(cfg, "openai answer writer", oaiRetryPolicy{
		op:            "chat completions",
		timeout:       oaiDefault(cfg.Timeout, defaultAnswerTimeout),
		maxRetries:    min(oaiRetries(cfg.MaxRetries, 1), 1),
		retryTimeouts: false,
		maxRetryAfter: answerMaxRetryAfter,
	})
	if err != nil {
		return nil, err
	}
	m.log.Debug("openai answer writer ready", "base_url", base, "model", m.model)
	return &OpenAIAnswerWriter{m}, nil
}

// Model names the chat model, "openai:<model>".
func (w *OpenAIAnswerWriter) Model() string { return "openai:" + w.model }

// WriteAnswer asks the model for a Simplified Chinese answer drawn from sources only, keeping the verdict of
// draft (the extractive answer). Citations of clauses not among sources are removed (CheckCitations). With no
// sources it answers NoProvisionAnswer without a request. An empty answer, a truncated one or one the server
// filtered is an error wrapping ErrBadResponse; the caller then keeps the draft.
func (w *OpenAIAnswerWriter) WriteAnswer(ctx context.Context, question string, sources []SourceClause, draft string) (string, error) {
	if len(sources) == 0 {
		return NoProvisionAnswer, nil
	}
	req := openai.ChatCompletionRequest{
		Model: w.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: answerSystemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: answerUserPrompt(question, sources, draft)},
		},
		Temperature:         answerTemperature,
		Seed:                new(answerSeed),
		MaxCompletionTokens: answerMaxTokens,
	}
	if err := openai.NewReasoningValidator().Validate(req); err != nil {
		// Reasoning models (o1…, o3…, gpt-5…) take no temperature and spend completion tokens on thinking.
		req.Temperature, req.MaxCompletionTokens = 0, 0
		if err := openai.NewReasoningValidator().Validate(req); err != nil {
			return "", &ServiceError{Op: w.policy.op, Kind: ErrRejected, Message: w.policy.redact.redact(err.Error()), Err: w.policy.redact.err(err)}
		}
	}
	resp, attempts, err := oaiCall(ctx, w.policy, func(ctx context.Context) (openai.ChatCompletionResponse, error) {
		return w.client.CreateChatCompletion(ctx, req)
	})
	if err != nil {
		return "", err
	}
	bad := func(format string, args ...any) error {
		return &ServiceError{Op: w.policy.op, Kind: ErrBadResponse, StatusCode: 200,
			Message: fmt.Sprintf(format, args...), Attempts: attempts}
	}
	if len(resp.Choices) == 0 {
		return "", bad("no choices in the response")
	}
	choice := resp.Choices[0]
	switch choice.FinishReason {
	case openai.FinishReasonLength:
		return "", bad("answer cut off at the token limit")
	case openai.FinishReasonContentFilter:
		return "", bad("answer withheld by the server's content filter")
	}
	text := strings.TrimSpace(llmStripThinking(choice.Message.Content))
	if text == "" {
		return "", bad("empty answer")
	}
	clean, _, removed := CheckCitations(text, sources)
	if len(removed) > 0 {
		w.log.Info("llm answer cited clauses it was not given; citations removed", "removed", removed)
	}
	clean = strings.TrimSpace(clean)
	if clean == "" {
		return "", bad("empty answer once unsupported citations are removed")
	}
	return clean, nil
}

// answerUserPrompt lays out the question, the clauses and the draft for the model.
func answerUserPrompt(question string, sources []SourceClause, draft string) string {
	var b strings.Builder
	b.WriteString("问题：")
	b.WriteString(llmTruncate(strings.TrimSpace(question), llmMaxQuestionRunes))
	b.WriteString("\n\n条款：\n")
	for _, s := range sources {
		fmt.Fprintf(&b, "【%s】", s.ID)
		if s.Title != "" {
			fmt.Fprintf(&b, "（%s）", s.Title)
		}
		b.WriteString(strings.TrimSpace(s.Text))
		b.WriteString("\n")
	}
	if d := strings.TrimSpace(draft); d != "" {
		b.WriteString("\n参考结论（系统根据上述条款整理，回答须与其结论一致）：\n")
		b.WriteString(d)
		b.WriteString("\n")
	}
	b.WriteString("\n请根据以上条款回答问题，并用【条款编号】注明出处。")
	return b.String()
}

func llmTruncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

var llmThinkRe = regexp.MustCompile(`(?s)<think>.*?</think>`)

// llmStripThinking removes the <think>…</think> block some reasoning models (Qwen3, DeepSeek-R1 on Ollama or
// vLLM) put in the content; an unclosed block means the answer never came.
func llmStripThinking(s string) string {
	s = llmThinkRe.ReplaceAllString(s, "")
	if i := strings.Index(s, "<think>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// ---- citations ----

const (
	citeID       = `\d+(?:\.\d+)*` // a clause ID: 0, 2, 1.3.3
	citeDottedID = `\d+(?:\.\d+)+` // only dotted IDs where a bare number is likely something else
	citeSep      = `[ \t]*(?:[、,，;；/]|和|及|与|或)[ \t]*`
)

func citeListPattern(id string) string { return id + `(?:` + citeSep + id + `)*` }

// citeTokenRe finds one citation; exactly one of its groups holds the list of IDs:
// 【1.3.3】 [1.3.3] （1.3.3） (1.3.3) 第1.3.3条, also with several IDs (【1.3.3、1.3.4】) and 【第1.3.3条】.
var citeTokenRe = regexp.MustCompile(
	`【[ \t]*(?:第[ \t]*)?(` + citeListPattern(citeID) + `)[ \t]*(?:条[ \t]*)?】` +
		`|\[[ \t]*(?:第[ \t]*)?(` + citeListPattern(citeID) + `)[ \t]*(?:条[ \t]*)?\]` +
		`|（[ \t]*(?:第[ \t]*)?(` + citeListPattern(citeDottedID) + `)[ \t]*(?:条[ \t]*)?）` +
		`|\([ \t]*(?:第[ \t]*)?(` + citeListPattern(citeDottedID) + `)[ \t]*(?:条[ \t]*)?\)` +
		`|第[ \t]*(` + citeListPattern(citeDottedID) + `)[ \t]*条`)

var (
	citeIDRe  = regexp.MustCompile(citeID)
	citeSepRe = regexp.MustCompile(citeSep)
	// citeGapRe is what may stand between two citations of one run: 【1.3.3】、【1.3.4】.
	citeGapRe = regexp.MustCompile(`^(?:` + citeSep + `|[ \t]*)$`)
)

// citeToken is one match of citeTokenRe.
type citeToken struct {
	start, end         int      // the whole token
	listStart, listEnd int      // its list of IDs
	ids                []string // in the order written
}

// CheckCitations finds the clause citations in text (【1.3.3】, [1.3.3], （1.3.3）, (1.3.3), 第1.3.3条, also
// lists like 【1.3.3、1.3.4】), keeps those whose ID is among allowed and removes the others, along with the
// brackets and separators that would be left dangling. It returns the cleaned text, the cited IDs kept and
// the IDs removed, each in order of first appearance without duplicates.
func CheckCitations(text string, allowed []SourceClause) (clean string, cited []string, removed []string) {
	ok := make(map[string]bool, len(allowed))
	for _, s := range allowed {
		ok[strings.TrimSpace(s.ID)] = true
	}
	var cites []citeToken
	for _, m := range citeTokenRe.FindAllStringSubmatchIndex(text, -1) {
		c := citeToken{start: m[0], end: m[1]}
		for g := 1; g < len(m)/2; g++ {
			if m[2*g] >= 0 {
				c.listStart, c.listEnd = m[2*g], m[2*g+1]
				break
			}
		}
		c.ids = citeIDRe.FindAllString(text[c.listStart:c.listEnd], -1)
		cites = append(cites, c)
	}
	if len(cites) == 0 {
		return text, nil, nil
	}
	seenKept, seenRemoved := map[string]bool{}, map[string]bool{}
	for _, c := range cites {
		for _, id := range c.ids {
			switch {
			case ok[id] && !seenKept[id]:
				seenKept[id] = true
				cited = append(cited, id)
			case !ok[id] && !seenRemoved[id]:
				seenRemoved[id] = true
				removed = append(removed, id)
			}
		}
	}
	if len(removed) == 0 {
		return text, cited, nil
	}

	var out []byte
	pos := 0
	for i := 0; i < len(cites); {
		// A run: citations separated only by a separator or spaces.
		j := i + 1
		for j < len(cites) && citeGapRe.MatchString(text[cites[j-1].end:cites[j].start]) {
			j++
		}
		run := cites[i:j]
		out = append(out, text[pos:run[0].start]...)
		var kept []string
		for k, c := range run {
			token := citeRebuild(text, c, ok)
			if token == "" {
				continue
			}
			if len(kept) > 0 {
				// The separator written between the previous citation of the run and this one.
				sep := text[run[k-1].end:c.start]
				kept = append(kept, sep)
			}
			kept = append(kept, token)
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, "")...)
			pos = run[len(run)-1].end
		} else {
			out, pos = citeDropGap(out, text, run[len(run)-1].end)
		}
		i = j
	}
	out = append(out, text[pos:]...)
	return string(out), cited, removed
}

// citeRebuild returns the citation with only the allowed IDs, written as before, or "" when none is.
func citeRebuild(text string, c citeToken, ok map[string]bool) string {
	var kept []string
	for _, id := range c.ids {
		if ok[id] {
			kept = append(kept, id)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	if len(kept) == len(c.ids) {
		return text[c.start:c.end]
	}
	sep := citeSepRe.FindString(text[c.listStart:c.listEnd])
	if sep == "" {
		sep = "、"
	}
	return text[c.start:c.listStart] + strings.Join(kept, sep) + text[c.listEnd:c.end]
}

// citeDropGap mends the text where a run of citations was removed: out is the text before it, text[next:] the
// text after. It leaves at most one space, none at a line's edge or before punctuation, and removes a pair of
// brackets left empty. It returns the new out and where to continue in text.
func citeDropGap(out []byte, text string, next int) ([]byte, int) {
	before := len(out)
	out = []byte(strings.TrimRight(string(out), " \t"))
	hadSpace := len(out) < before
	for next < len(text) && (text[next] == ' ' || text[next] == '\t') {
		next++
		hadSpace = true
	}
	last, _ := utf8.DecodeLastRune(out)
	first, size := utf8.DecodeRuneInString(text[next:])
	if len(out) > 0 && next < len(text) {
		if closing, isOpen := citeBracketPairs[last]; isOpen && first == closing {
			// "（【9.9】）" → nothing at all, then mend again around the removed pair.
			return citeDropGap(out[:len(out)-utf8.RuneLen(last)], text, next+size)
		}
	}
	if hadSpace && len(out) > 0 && last != '\n' && next < len(text) && first != '\n' && first != '\r' &&
		!unicode.IsPunct(first) {
		out = append(out, ' ')
	}
	return out, next
}

var citeBracketPairs = map[rune]rune{'（': '）', '(': ')', '【': '】', '[': ']', '「': '」', '“': '”'}
