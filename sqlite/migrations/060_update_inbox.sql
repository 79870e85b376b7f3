-- The update inbox of the Telegram adapter (bot.UpdateInbox): every update is written here before Telegram is
-- told it arrived, and its row is deleted as soon as its handler finished, so a crash loses nothing that was
-- acknowledged. The rows hold the raw update JSON (user IDs, names, texts): the spot-check inspectors'
-- anonymity needs them gone once handled, so the table holds only what is waiting or running. A row is held by
-- one instance (owner) under a lease, which another instance takes over when it ran out.
CREATE TABLE update_inbox (
    bot_id      INTEGER NOT NULL,
    update_id   INTEGER NOT NULL,
    data        BLOB NOT NULL,
    owner       TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    PRIMARY KEY (bot_id, update_id)
) STRICT;

-- The IDs of the updates received lately, waiting or handled, in the order received (seq), so that an update
-- Telegram sends again is recognised and not handled twice. IDs only; only the newest 10,000 are kept.
CREATE TABLE update_seen (
    seq       INTEGER PRIMARY KEY,
    bot_id    INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    UNIQUE (bot_id, update_id)
) STRICT;
