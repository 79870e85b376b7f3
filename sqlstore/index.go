package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/conductbot/conductbot/retrieval"
)

var _ retrieval.IndexStore = (*Store)(nil)

// CodeIndex returns the stored retrieval index of the version in format, or nil when there is none.
func (s *Store) CodeIndex(ctx context.Context, versionID int64, format string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM code_index WHERE version_id = $1 AND format = $2`, versionID, format).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.errorf("code index", err)
	}
	return data, nil
}

// PutCodeIndex stores the retrieval index of the version, replacing the one stored before.
func (s *Store) PutCodeIndex(ctx context.Context, versionID int64, format string, data []byte) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO code_index (version_id, format, data) VALUES ($1, $2, $3)
		ON CONFLICT (version_id) DO UPDATE SET format = excluded.format, data = excluded.data`, versionID, format, data); err != nil {
		return s.errorf("put code index", err)
	}
	return nil
}
