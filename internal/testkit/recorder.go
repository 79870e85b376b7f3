package testkit

import (
	"context"
	"sync"

	"github.com/conductbot/conductbot/bot"
)

// Sent is one message a Recorder took.
type Sent struct {
	ChatID    int64
	MessageID int
	Message   bot.Message
	Edit      bool // an edit of MessageID rather than a new message
}

// Recorder is a bot.Transport (and so a remind.Sender) that records what it is asked to send. Fail, when
// set, is asked first for every send: a non-nil error is returned instead of sending.
type Recorder struct {
	Fail func(chatID int64, n int) error // n counts the sends to chatID so far, from 0

	mu      sync.Mutex
	sent    []Sent
	tries   map[int64]int
	nextID  int
	answers []bot.Notice
	After   func(s Sent) // called after each successful send, outside the lock (tests stop a run with it)
}

var _ bot.Transport = (*Recorder)(nil)

// Send implements bot.Transport.
func (r *Recorder) Send(_ context.Context, chatID int64, m bot.Message) (int, error) {
	r.mu.Lock()
	if r.tries == nil {
		r.tries = map[int64]int{}
	}
	n := r.tries[chatID]
	r.tries[chatID]++
	if r.Fail != nil {
		if err := r.Fail(chatID, n); err != nil {
			r.mu.Unlock()
			return 0, err
		}
	}
	r.nextID++
	s := Sent{ChatID: chatID, MessageID: r.nextID, Message: m}
	r.sent = append(r.sent, s)
	after := r.After
	r.mu.Unlock()
	if after != nil {
		after(s)
	}
	return s.MessageID, nil
}

// Edit implements bot.Transport.
func (r *Recorder) Edit(_ context.Context, chatID int64, messageID int, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, Sent{ChatID: chatID, MessageID: messageID, Message: m, Edit: true})
	return nil
}

// AnswerCallback implements bot.Transport.
func (r *Recorder) AnswerCallback(_ context.Context, _ string, n bot.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, n)
	return nil
}

// SendPhoto implements bot.Transport.
func (r *Recorder) SendPhoto(ctx context.Context, chatID int64, _ bot.File, m bot.Message) (int, error) {
	return r.Send(ctx, chatID, m)
}

// SendDocument implements bot.Transport.
func (r *Recorder) SendDocument(ctx context.Context, chatID int64, _ bot.File, m bot.Message) (int, error) {
	return r.Send(ctx, chatID, m)
}

// Download implements bot.Transport.
func (r *Recorder) Download(context.Context, string, int64) ([]byte, error) {
	return nil, bot.ErrTooLarge
}

// Sent returns what was sent and edited so far.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.sent...)
}

// Answers returns the button answers so far.
func (r *Recorder) Answers() []bot.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Notice(nil), r.answers...)
}

// Reset forgets everything recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent, r.answers, r.tries = nil, nil, nil
}

// PerChat counts the new messages (not edits) sent to each chat.
func (r *Recorder) PerChat() map[int64]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int64]int{}
	for _, s := range r.sent {
		if !s.Edit {
			out[s.ChatID]++
		}
	}
	return out
}
