package testkit

import (
	"context"
	"fmt"
	"sync"

	"github.com/conductbot/conductbot/bot"
)

// Sent is one thing a Recorder was asked to send or edit.
type Sent struct {
	ChatID    int64
	MessageID int
	Message   bot.Message
	Edit      bool      // an edit of MessageID rather than a new message
	File      *bot.File // the photo or document sent with the message, if any
	Photo     bool      // File went as a photo (else as a document)
	Edits     int       // in Messages: how many times the message was edited
}

// Recorder is the tests' bot.Transport in memory: it records what handlers and background work send, edit and
// answer, serves the files a test added (AddFile) to Download, and fails sends when told to (Fail, Block).
// The zero Recorder is ready to use and never fails.
type Recorder struct {
	// Fail, when set, is asked first for every new message (text, photo or document): a non-nil error is
	// returned instead of sending. n counts the sends to chatID so far, from 0.
	Fail func(chatID int64, n int) error
	// After is called after each successful send of a new message, outside the lock (tests stop a run with it).
	After func(s Sent)
	// KnownEditsOnly makes an edit of a message the Recorder did not send fail with bot.ErrMessageGone, as
	// Telegram does; otherwise such an edit is recorded.
	KnownEditsOnly bool

	mu      sync.Mutex
	sent    []Sent
	tries   map[int64]int
	nextID  int
	answers []bot.Notice
	blocked map[int64]bool
	files   map[string][]byte
}

var _ bot.Transport = (*Recorder)(nil)

// Send implements bot.Transport.
func (r *Recorder) Send(_ context.Context, chatID int64, m bot.Message) (int, error) {
	return r.send(chatID, m, nil, false)
}

// SendPhoto implements bot.Transport.
func (r *Recorder) SendPhoto(_ context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	return r.send(chatID, m, &f, true)
}

// SendDocument implements bot.Transport.
func (r *Recorder) SendDocument(_ context.Context, chatID int64, f bot.File, m bot.Message) (int, error) {
	return r.send(chatID, m, &f, false)
}

func (r *Recorder) send(chatID int64, m bot.Message, f *bot.File, photo bool) (int, error) {
	r.mu.Lock()
	if r.tries == nil {
		r.tries = map[int64]int{}
	}
	n := r.tries[chatID]
	r.tries[chatID]++
	if r.blocked[chatID] {
		r.mu.Unlock()
		return 0, bot.ErrBlocked
	}
	if r.Fail != nil {
		if err := r.Fail(chatID, n); err != nil {
			r.mu.Unlock()
			return 0, err
		}
	}
	r.nextID++
	s := Sent{ChatID: chatID, MessageID: r.nextID, Message: m, File: f, Photo: photo}
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
	if r.blocked[chatID] {
		r.mu.Unlock()
		return bot.ErrBlocked
	}
	if r.KnownEditsOnly && !r.knows(chatID, messageID) {
		r.mu.Unlock()
		return bot.ErrMessageGone
	}
	r.sent = append(r.sent, Sent{ChatID: chatID, MessageID: messageID, Message: m, Edit: true})
	r.mu.Unlock()
	return nil
}

// knows tells whether the Recorder sent message id to chatID; r.mu is held.
func (r *Recorder) knows(chatID int64, id int) bool {
	for _, s := range r.sent {
		if !s.Edit && s.ChatID == chatID && s.MessageID == id {
			return true
		}
	}
	return false
}

// AnswerCallback implements bot.Transport.
func (r *Recorder) AnswerCallback(_ context.Context, _ string, n bot.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, n)
	return nil
}

// Download implements bot.Transport: a file the test added (AddFile); bot.ErrTooLarge for one over max, and
// for a file never added, as for a file Telegram will not hand over.
func (r *Recorder) Download(_ context.Context, fileID string, max int64) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.files[fileID]
	if !ok || int64(len(d)) > max {
		return nil, bot.ErrTooLarge
	}
	return d, nil
}

// AddFile makes data downloadable and returns its file ID (F1, F2, …).
func (r *Recorder) AddFile(data []byte) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files == nil {
		r.files = map[string][]byte{}
	}
	id := fmt.Sprintf("F%d", len(r.files)+1)
	r.files[id] = data
	return id
}

// Block makes every send and edit to chatID fail with bot.ErrBlocked, as when the user blocked the bot.
func (r *Recorder) Block(chatID int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.blocked == nil {
		r.blocked = map[int64]bool{}
	}
	r.blocked[chatID] = true
}

// Sent returns what was sent and edited so far, in order.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.sent...)
}

// To returns what was sent and edited in chatID so far, in order.
func (r *Recorder) To(chatID int64) []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sent
	for _, s := range r.sent {
		if s.ChatID == chatID {
			out = append(out, s)
		}
	}
	return out
}

// Messages returns the new messages sent to chatID as they read after their edits; Edits counts the edits.
func (r *Recorder) Messages(chatID int64) []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sent
	at := map[int]int{} // message ID → index in out
	for _, s := range r.sent {
		if s.ChatID != chatID {
			continue
		}
		if !s.Edit {
			at[s.MessageID] = len(out)
			out = append(out, s)
			continue
		}
		if i, ok := at[s.MessageID]; ok {
			out[i].Message.Text, out[i].Message.Buttons = s.Message.Text, s.Message.Buttons
			out[i].Edits++
		}
	}
	return out
}

// Last returns the newest message sent (not edited) to any chat, and whether there was one.
func (r *Recorder) Last() (Sent, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.sent) - 1; i >= 0; i-- {
		if !r.sent[i].Edit {
			return r.sent[i], true
		}
	}
	return Sent{}, false
}

// Answers returns the button answers so far.
func (r *Recorder) Answers() []bot.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Notice(nil), r.answers...)
}

// Reset forgets everything recorded (not the files, the blocked chats or Fail).
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
