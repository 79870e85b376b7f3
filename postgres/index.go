package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/retrieval"
)

var _ retrieval.IndexStore = (*DB)(nil)

// CodeIndex returns the stored retrieval index of the version in format, or nil when there is none.
func (db *DB) CodeIndex(ctx context.Context, versionID int64, format string) ([]byte, error) {
	var data []byte
	err := db.pool.QueryRow(ctx, `SELECT data FROM code_index WHERE version_id = $1 AND format = $2`, versionID, format).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: code index: %w", err)
	}
	return data, nil
}

// PutCodeIndex stores the retrieval index of the version, replacing the one stored before.
func (db *DB) PutCodeIndex(ctx context.Context, versionID int64, format string, data []byte) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO code_index (version_id, format, data) VALUES ($1, $2, $3)
		ON CONFLICT (version_id) DO UPDATE SET format = excluded.format, data = excluded.data`, versionID, format, data); err != nil {
		return fmt.Errorf("postgres: put code index: %w", err)
	}
	return nil
}
