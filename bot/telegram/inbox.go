package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/conductbot/conductbot/bot"
)

// The life of an update with an inbox (Options.Inbox):
//
//  1. accept stores it (bot.UpdateInbox.PutUpdates) before Telegram is told it arrived: the next getUpdates
//     offset passes it, or the webhook answers 200, only after the store's commit. A store error leaves it
//     unacknowledged, and Telegram sends it again.
//  2. An update the inbox has seen before (a redelivery, waiting or handled) is dropped; a new one is queued
//     behind its chat's earlier updates.
//  3. Once its handler returned (or panicked), finish deletes its row. Its raw JSON holds user IDs, names and
//     texts, and the spot-check inspectors' anonymity (package inspect) needs an inspector's update gone from
//     disk once handled: rows are deleted, not marked, and only update IDs stay (bounded) to recognise
//     redeliveries. An update whose handler was cancelled by shutdown stays, for the next start.
//  4. On start, and every third of the lease, sweep claims the rows this instance left (a crash, a drain
//     deadline) and those of a dead instance whose lease ran out, and queues them; it also renews the leases
//     of the rows being handled.

// inboxPage is how many rows one claim takes.
const inboxPage = 500

// storeTimeout bounds one write of the inbox.
const storeTimeout = 10 * time.Second

// accept stores a batch of received updates in the inbox and queues the new ones. It returns an error when
// the store failed: then none of the batch may be acknowledged.
func (b *Bot) accept(ctx context.Context, us []bot.RawUpdate) error {
	if b.opts.Inbox != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		fresh, err := b.opts.Inbox.PutUpdates(ctx, b.self.id, b.opts.Instance, time.Now().Add(b.opts.InboxLease), us)
		cancel()
		if err != nil {
			return fmt.Errorf("telegram: store updates: %w", err)
		}
		isFresh := make(map[int64]bool, len(fresh))
		for _, id := range fresh {
			isFresh[id] = true
		}
		kept := us[:0:0]
		for _, u := range us {
			if isFresh[u.ID] {
				kept = append(kept, u)
				isFresh[u.ID] = false // once, should a batch repeat an update
			}
		}
		us = kept
	}
	for _, u := range us {
		b.enqueue(u)
	}
	return nil
}

// enqueue converts an update and queues it behind its chat's; an update the bot does not handle is finished
// at once.
func (b *Bot) enqueue(raw bot.RawUpdate) {
	var u models.Update
	if err := json.Unmarshal(raw.Data, &u); err != nil {
		b.log.LogAttrs(context.Background(), slog.LevelWarn, "telegram: undecodable update skipped",
			slog.Int64("update_id", raw.ID), slog.Int("bytes", len(raw.Data)))
		b.finish(raw.ID)
		return
	}
	bu, ok := convert(&u, b.self)
	if !ok {
		b.finish(raw.ID)
		return
	}
	b.inflightMu.Lock()
	b.inflight[raw.ID] = struct{}{}
	b.inflightMu.Unlock()
	if !b.disp.submit(bu) {
		b.inflightMu.Lock()
		delete(b.inflight, raw.ID)
		b.inflightMu.Unlock()
		if b.opts.Inbox != nil {
			b.log.LogAttrs(context.Background(), slog.LevelInfo, "telegram: update left in the inbox for the next start", slog.Int64("update_id", raw.ID))
		} else {
			b.log.LogAttrs(context.Background(), slog.LevelWarn, "telegram: update dropped at shutdown", slog.Int64("update_id", raw.ID))
		}
	}
}

// finish deletes a handled update's row, unless shutdown cancelled its handler: then it is handled again
// after the next start.
func (b *Bot) finish(id int64) {
	b.inflightMu.Lock()
	delete(b.inflight, id)
	b.inflightMu.Unlock()
	if b.opts.Inbox == nil {
		return
	}
	if b.handlerCtx.Err() != nil {
		b.log.LogAttrs(context.Background(), slog.LevelInfo, "telegram: update left in the inbox for the next start", slog.Int64("update_id", id))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := b.opts.Inbox.DoneUpdate(ctx, b.self.id, id); err != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "telegram: could not delete a handled update from the inbox",
			slog.Int64("update_id", id), slog.String("error", err.Error()))
	}
}

func (b *Bot) isInflight(id int64) bool {
	b.inflightMu.Lock()
	defer b.inflightMu.Unlock()
	_, ok := b.inflight[id]
	return ok
}

// sweep claims the inbox rows this instance holds or whose lease ran out, renewing the leases of those being
// handled, and queues the others in update ID order.
func (b *Bot) sweep(ctx context.Context) {
	if b.opts.Inbox == nil {
		return
	}
	queued := 0
	var after int64
	for ctx.Err() == nil {
		now := time.Now()
		cctx, cancel := context.WithTimeout(ctx, storeTimeout)
		us, err := b.opts.Inbox.ClaimUpdates(cctx, b.self.id, b.opts.Instance, now, now.Add(b.opts.InboxLease), after, inboxPage)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				b.log.LogAttrs(ctx, slog.LevelWarn, "telegram: could not read the inbox", slog.String("error", err.Error()))
			}
			return
		}
		for _, u := range us {
			after = u.ID
			if b.isInflight(u.ID) {
				continue
			}
			b.enqueue(u)
			queued++
		}
		if len(us) < inboxPage {
			break
		}
	}
	if queued > 0 {
		b.log.LogAttrs(ctx, slog.LevelInfo, "telegram: updates taken from the inbox", slog.Int("count", queued))
	}
}

// sweepEvery sweeps every third of the lease until ctx ends.
func (b *Bot) sweepEvery(ctx context.Context) {
	if b.opts.Inbox == nil {
		return
	}
	t := time.NewTicker(b.opts.InboxLease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.sweep(ctx)
		}
	}
}
