package storetest

import (
	"context"
	"os"
	"path/filepath"

	"github.com/conductbot/conductbot/supervise"
)

// exportFiles writes month m's workbook and CSV zip into dir, as the bot sends them, and returns how many
// reports they hold.
func exportFiles(ctx context.Context, svc *supervise.Service, m supervise.Month, dir string) (int, error) {
	d, err := svc.MonthData(ctx, m)
	if err != nil {
		return 0, err
	}
	x, err := os.Create(filepath.Join(dir, d.XLSXName()))
	if err != nil {
		return 0, err
	}
	defer x.Close()
	if err := d.XLSX(x); err != nil {
		return 0, err
	}
	z, err := os.Create(filepath.Join(dir, "conductbot-"+m.String()+"-csv.zip"))
	if err != nil {
		return 0, err
	}
	defer z.Close()
	if err := d.ZipCSV(z); err != nil {
		return 0, err
	}
	return len(d.Reports), nil
}
