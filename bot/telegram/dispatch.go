package telegram

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/conductbot/conductbot/bot"
)

// dispatcher runs updates of one chat one after another, in arrival order, and different chats in parallel
// (at most `parallel` at once). Submit blocks while `pending` updates wait, which holds the poller back.
type dispatcher struct {
	handle func(ctx context.Context, u bot.Update)
	ctx    context.Context
	log    *slog.Logger
	sem    chan struct{} // running handlers
	slots  chan struct{} // submitted, not yet finished updates

	mu     sync.Mutex
	chats  map[int64]*chatQueue
	closed bool
	wg     sync.WaitGroup
}

type chatQueue struct{ pending []bot.Update }

func newDispatcher(ctx context.Context, log *slog.Logger, parallel, pending int, handle func(context.Context, bot.Update)) *dispatcher {
	return &dispatcher{handle: handle, ctx: ctx, log: log, sem: make(chan struct{}, parallel),
		slots: make(chan struct{}, pending), chats: map[int64]*chatQueue{}}
}

// submit queues u behind the chat's earlier updates; false when the dispatcher is closed.
func (d *dispatcher) submit(u bot.Update) bool {
	select {
	case d.slots <- struct{}{}:
	case <-d.ctx.Done():
		return false
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.slots
		return false
	}
	if q := d.chats[u.ChatID]; q != nil {
		q.pending = append(q.pending, u)
		d.mu.Unlock()
		return true
	}
	q := &chatQueue{pending: []bot.Update{u}}
	d.chats[u.ChatID] = q
	d.wg.Add(1)
	d.mu.Unlock()
	go d.run(u.ChatID, q)
	return true
}

func (d *dispatcher) run(chatID int64, q *chatQueue) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(q.pending) == 0 {
			delete(d.chats, chatID)
			d.mu.Unlock()
			return
		}
		u := q.pending[0]
		q.pending[0] = bot.Update{}
		q.pending = q.pending[1:]
		d.mu.Unlock()
		d.sem <- struct{}{}
		d.safeHandle(u)
		<-d.sem
		<-d.slots
	}
}

// safeHandle is the last line of defence: the router's Recover middleware normally catches panics first.
func (d *dispatcher) safeHandle(u bot.Update) {
	defer func() {
		if p := recover(); p != nil {
			d.log.LogAttrs(d.ctx, slog.LevelError, "telegram: update handler panicked", slog.Int64("update_id", u.ID),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		}
	}()
	d.handle(d.ctx, u)
}

// close refuses further updates; drain then waits for the queued ones.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}

// drain waits until every queued update is handled or ctx ends.
func (d *dispatcher) drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
