package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportWarnsAboutTheChecklist: the inspectors' checklist follows the code in force. Importing the shipped
// code makes the first checklist from its pack, without a warning; importing a revision (1.1.3 removed, 着装
// replaced under its ID by 容缺受理, 台面整洁 reworded, 便民物品 rewritten) prints the items to review, and
// the items follow their clauses by text.
func TestImportWarnsAboutTheChecklist(t *testing.T) {
	t.Setenv("CONDUCTBOT_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("LOG_LEVEL", "")
	shipped := filepath.Join("..", "..", "rules", "codes", "rugao-2012", "code.txt")
	revised := filepath.Join("..", "..", "rules", "testdata", "rugao-revised.txt")

	out, errs, code := runCmd(t, "import", shipped)
	if code != 0 || !strings.Contains(out, "unchanged: same as version 1") || strings.Contains(out, "检查清单") {
		t.Fatalf("import the shipped code: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCmd(t, "import", revised)
	if code != 0 || !strings.Contains(out, "imported as version 2, now in force") {
		t.Fatalf("import the revision: exit %d\n%s\n%s", code, out, errs)
	}
	// What the warning lists is inspect's (TestRebindFollowsClausesByText); here: that import prints it.
	if !strings.Contains(out, "imported as version 2, now in force\n检查清单中有 3 项对应的条款已变更，请核对：\n") ||
		!strings.Contains(out, "· 着装规范（原第 1.3.1 条）：条款已删除，此项已移出清单\n") {
		t.Errorf("no warning after the import:\n%s", out)
	}
	for _, never := range []string{"无禁用语", "仪容仪表（原", "容缺受理"} {
		if strings.Contains(out, never) {
			t.Errorf("%q in the warning: an item that followed its clause, or an unrelated clause\n%s", never, out)
		}
	}
	// Importing the revision again changes nothing and warns of nothing.
	if out, errs, code = runCmd(t, "import", revised); code != 0 || !strings.Contains(out, "unchanged: same as version 2") || strings.Contains(out, "检查清单") {
		t.Errorf("the revision again: exit %d\n%s\n%s", code, out, errs)
	}
	// A code that requires and prohibits nothing is imported, with a warning that no checklist can be made of it.
	bare := filepath.Join(t.TempDir(), "bare.txt")
	if err := os.WriteFile(bare, []byte("标题：测试规范\n一、总则\n1、讲普通话。\n2、文明用语。\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code = runCmd(t, "import", bare); code != 0 || !strings.Contains(out, "now in force") ||
		!strings.Contains(out, "现行规范中没有可列入暗访检查清单的条款") {
		t.Errorf("a code without rules: exit %d\n%s\n%s", code, out, errs)
	}
}
