package workflow_test

import (
	"context"
	"errors"
	"fmt"

	"finreview/workflow"
)

func Example() {
	ctx := context.Background()
	def := workflow.NewDefinition() // built once, shared by all requests

	// The unit answers the opinion letter; state comes from the review row.
	m := def.New(workflow.OpinionSent, workflow.Facts{})
	next, err := m.FireSign(ctx, workflow.SignArgs{Agree: false, Reasons: "钢材单价偏低"})
	fmt.Println(next, next.Label(), err)

	// A trigger the state does not accept.
	_, err = def.New(next, workflow.Facts{}).Fire(ctx, workflow.Conclude)
	var te *workflow.TransitionError
	if errors.As(err, &te) {
		fmt.Println(te.Code(), te.Error())
		fmt.Println(te.Permitted)
	}
	// Output:
	// disputed 有争议 <nil>
	// transition_not_allowed 当前状态"有争议"不能执行"出具评审结论"
	// [expert_review unilateral suspend]
}
