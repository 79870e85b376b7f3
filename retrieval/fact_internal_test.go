package retrieval

import "testing"

// TestStatesFact: the kinds of fact a clause states, read from general wording, not from one code.
func TestStatesFact(t *testing.T) {
	for _, c := range []struct {
		sentence, asked string
		want            bool
	}{
		{"收到投诉的，当日登记，3个工作日内答复投诉人", "几天", true},
		{"对政策复杂的问题，应在2个工作日内答复", "多久", true},
		{"离开时间不超过10分钟", "多久", true},
		{"即办件要即时办结", "多久", true},
		{"工作时间为上午8:30至12:00", "几点", true},
		{"领导前来窗口检查时，应主动站立", "几点", false}, // an occasion is not a time of day
		{"领导前来窗口检查时，应主动站立", "什么时候", true},
		{"本规范自印发之日起施行", "什么时候", true},
		{"本规范由县不动产登记中心负责解释", "谁负责", true},
		{"服务对象不满意的，值班长应在10分钟内到场协调", "找谁", true},
		{"窗口人员应当在后台休息区就餐", "在哪", true},
		{"不得在窗口吸烟", "在哪", false}, // where not to is not where to
		{"咨询服务台设在一楼大厅", "几楼", true},
		{"每收到一次差评扣1分", "几分", true},
		{"工作时间统一着制服", "几点", false},
		{"打电话不超过3分钟", "颜色", false},
		{"中心办公室每周至少开展一次明察暗访", "多久一次", true}, // how often, not how long
		{"明察暗访由中心办公室组织", "多久一次", false},
		{"因系统故障、网络中断无法办理业务的，应当向群众做好解释", "坏了", true},
		{"窗口应当保持整洁", "坏了", false},
		{"查询人应当出示本人身份证明；委托他人查询的，受托人还应当提交授权委托书", "要带什么", true},
		{"材料不齐全的，应当一次性书面告知需要补正的全部内容", "要带什么", false}, // what is missing, not what to bring
	} {
		if got := statesFact(c.sentence, c.asked, ""); got != c.want {
			t.Errorf("statesFact(%q, %q) = %v, want %v", c.sentence, c.asked, got, c.want)
		}
	}
}

// TestParseFacts: the shipped fact vocabulary reads; a broken line is refused with its number.
func TestParseFacts(t *testing.T) {
	if _, err := parseFacts(factsSource); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"kind\tx\t(\tfoo", "question\tfoo\ncount\tbar", "question\tfoo\ncount\tbar\nkind\tx\ty"} {
		if _, err := parseFacts(bad); err == nil {
			t.Errorf("parseFacts(%q) accepted", bad)
		}
	}
}

// TestAskedFactMaterials: 要带什么 ending a question asks for what to bring; inside a yes/no question about a rule
// (缺啥材料要一次说清楚吗) it does not.
func TestAskedFactMaterials(t *testing.T) {
	for q, want := range map[string]bool{"户口迁移要带什么材料": true, "委托别人来查要带啥": true, "缺啥材料要一次说清楚吗": false} {
		if got := askedFact(q) != ""; got != want {
			t.Errorf("askedFact(%q) = %q, asks %v, want %v", q, askedFact(q), got, want)
		}
	}
}
