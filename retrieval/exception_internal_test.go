package retrieval

import "testing"

// TestExceptedAct: a question about what a prohibition leaves out (除…外) is told apart from one about what it
// still forbids, whatever the words of the code.
func TestExceptedAct(t *testing.T) {
	th := ShippedThesaurus()
	for _, c := range []struct {
		sentence, question string
		want               bool
	}{
		{"窗口台面除工作用品和个人水杯外，不得摆放其他个人物品", "台子上能放水杯吗", true},
		{"窗口台面除工作用品和个人水杯外，不得摆放其他个人物品", "台面上能放零食吗", false},
		{"药品一经发出，除药品质量问题外，不予退换", "药有质量问题能退吗", true},
		{"药品一经发出，除药品质量问题外，不予退换", "发出去的药能退吗", false},
		{"除了紧急情况以外，不得擅自离岗", "有紧急情况能离开一下吗", true},
		{"不得擅自离岗", "有紧急情况能离开一下吗", false}, // no exception at all
		{"不得泄露申请人信息（政务公开需要的除外）", "能泄露申请人信息吗", false},
	} {
		us := queryUnits(analyze(c.question, th, func(string) bool { return false }), th)
		if got := exceptedAct(c.sentence, us); got != c.want {
			t.Errorf("exceptedAct(%q, %q) = %v, want %v", c.sentence, c.question, got, c.want)
		}
	}
}
