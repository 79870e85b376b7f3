package remind

import (
	"context"
	"sync"
	"time"

	"github.com/conductbot/conductbot/workday"
)

// Pacing limits how fast a broadcast sends. The Bot API allows about 30 messages a second across chats and
// one a second in one chat; past that it answers 429 with retry_after.
type Pacing struct {
	// PerSecond is the overall rate; 0 means DefaultPerSecond, a negative value no limit (benchmarks of raw
	// throughput).
	PerSecond float64
	// PerChat is the least time between two messages to one chat; 0 means DefaultPerChat, negative none.
	PerChat time.Duration
}

// Defaults of Pacing: under the Bot API's limits with a margin.
const (
	DefaultPerSecond = 25
	DefaultPerChat   = time.Second
)

func (p Pacing) normalized() Pacing {
	if p.PerSecond == 0 {
		p.PerSecond = DefaultPerSecond
	}
	if p.PerChat == 0 {
		p.PerChat = DefaultPerChat
	}
	return p
}

// pacer hands out send slots: one every 1/PerSecond overall, one every PerChat per chat, none before a pause
// (a 429's retry_after) ends. Waiters take turns (turn is a one-slot semaphore), so the global rate holds
// however many workers send, and a fake clock sees one sleep at a time.
type pacer struct {
	clock    workday.Clock
	interval time.Duration // 0: no overall limit
	perChat  time.Duration // 0: no per-chat limit
	turn     chan struct{}

	mu       sync.Mutex
	next     time.Time // the earliest next overall slot
	pause    time.Time // no slot before this
	lastChat map[int64]time.Time
}

func newPacer(clock workday.Clock, p Pacing) *pacer {
	p = p.normalized()
	pc := &pacer{clock: clock, turn: make(chan struct{}, 1), lastChat: map[int64]time.Time{}}
	if p.PerSecond > 0 {
		pc.interval = time.Duration(float64(time.Second) / p.PerSecond)
	}
	if p.PerChat > 0 {
		pc.perChat = p.PerChat
	}
	return pc
}

// wait blocks until a message to chatID may be sent.
func (p *pacer) wait(ctx context.Context, chatID int64) error {
	if p.interval == 0 && p.perChat == 0 {
		p.mu.Lock()
		pause := p.pause
		p.mu.Unlock()
		if d := pause.Sub(p.clock.Now()); d > 0 {
			return workday.Sleep(ctx, p.clock, d)
		}
		return ctx.Err()
	}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.turn }()
	for {
		p.mu.Lock()
		now := p.clock.Now()
		slot := now
		if p.next.After(slot) {
			slot = p.next
		}
		if p.pause.After(slot) {
			slot = p.pause
		}
		if last, ok := p.lastChat[chatID]; ok && p.perChat > 0 && last.Add(p.perChat).After(slot) {
			slot = last.Add(p.perChat)
		}
		if !slot.After(now) {
			p.next = now.Add(p.interval)
			if p.perChat > 0 {
				p.lastChat[chatID] = now
				p.prune(now)
			}
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		// Sleep, then look again: a 429 may have paused everything meanwhile.
		if err := workday.Sleep(ctx, p.clock, slot.Sub(now)); err != nil {
			return err
		}
	}
}

// prune forgets chats whose per-chat wait is over, so the map stays small; call with mu held.
func (p *pacer) prune(now time.Time) {
	if len(p.lastChat) < 4096 {
		return
	}
	for id, t := range p.lastChat {
		if !t.Add(p.perChat).After(now) {
			delete(p.lastChat, id)
		}
	}
}

// pauseFor stops every send for d from now: the Bot API's retry_after applies to the bot, not one chat.
func (p *pacer) pauseFor(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.clock.Now().Add(d); until.After(p.pause) {
		p.pause = until
	}
}
