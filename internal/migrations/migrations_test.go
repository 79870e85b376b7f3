package migrations

import (
	"os"
	"testing"
	"testing/fstest"
)

// TestStoresKeepStep: PostgreSQL and SQLite have the same migrations, number for number and name for name, so
// that the two stores always hold the same schema in their own dialects.
func TestStoresKeepStep(t *testing.T) {
	pg, err := Load(os.DirFS("../../postgres"), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	sq, err := Load(os.DirFS("../../sqlite"), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != len(sq) {
		t.Fatalf("PostgreSQL has %d migrations, SQLite %d", len(pg), len(sq))
	}
	for i := range pg {
		if pg[i].Name != sq[i].Name {
			t.Errorf("migration %d: PostgreSQL %s, SQLite %s", i, pg[i].Name, sq[i].Name)
		}
	}
}

func TestLoad(t *testing.T) {
	good := fstest.MapFS{
		"m/002_b.sql": {Data: []byte("B")},
		"m/001_a.sql": {Data: []byte("A")},
		"m/010_c.sql": {Data: []byte("C")},
	}
	ms, err := Load(good, "m")
	if err != nil || len(ms) != 3 || ms[0].Version != 1 || ms[1].SQL != "B" || ms[2].Name != "010_c.sql" {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	for name, bad := range map[string]fstest.MapFS{
		"duplicate number": {"m/001_a.sql": {}, "m/001_b.sql": {}},
		"bad name":         {"m/1_a.sql": {}},
		"dash":             {"m/001-a.sql": {}},
		"upper case":       {"m/001_A.sql": {}},
		"not sql":          {"m/001_a.txt": {}},
		"missing dir":      {"x/001_a.sql": {}},
	} {
		if _, err := Load(bad, "m"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
