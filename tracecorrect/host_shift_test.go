package tracecorrect

import (
	"reflect"
	"testing"
)

func TestShiftProblemSolve(t *testing.T) {
	tests := []struct {
		name   string
		p      shiftProblem
		want   []int64
		wantOK bool
	}{{
		name:   "nothing violated: the preferred shifts",
		p:      shiftProblem{prefer: []int64{0, 7}, bound: []int64{10, 10}, cons: []shiftConstraint{{u: 0, v: 1, limit: 0}}},
		want:   []int64{0, 7},
		wantOK: true,
	}, {
		name:   "equal bounds split the move",
		p:      shiftProblem{prefer: []int64{0, 0}, bound: []int64{100, 100}, cons: []shiftConstraint{{u: 0, v: 1, limit: -100}}},
		want:   []int64{-50, 50},
		wantOK: true,
	}, {
		name:   "the looser host moves more, by its bound squared",
		p:      shiftProblem{prefer: []int64{0, 0}, bound: []int64{100, 300}, cons: []shiftConstraint{{u: 0, v: 1, limit: -100}}},
		want:   []int64{-10, 90},
		wantOK: true,
	}, {
		name:   "an unmeasured host takes the move",
		p:      shiftProblem{prefer: []int64{0, 0}, bound: []int64{100, unbounded}, cons: []shiftConstraint{{u: 0, v: 1, limit: -100}}},
		want:   []int64{0, 100},
		wantOK: true,
	}, {
		name:   "a bound stops the split",
		p:      shiftProblem{prefer: []int64{0, 0}, bound: []int64{10, 1000}, cons: []shiftConstraint{{u: 0, v: 1, limit: -100}}},
		want:   []int64{0, 100},
		wantOK: true,
	}, {
		name:   "beyond the bounds: none",
		p:      shiftProblem{prefer: []int64{0, 0}, bound: []int64{10, 10}, cons: []shiftConstraint{{u: 0, v: 1, limit: -100}}},
		wantOK: false,
	}, {
		name: "a chain through three hosts",
		p: shiftProblem{prefer: []int64{0, 0, 0}, bound: []int64{1000, 1000, 1000}, cons: []shiftConstraint{
			{u: 0, v: 1, limit: -30}, {u: 1, v: 2, limit: -30},
		}},
		want:   []int64{-30, 0, 30},
		wantOK: true,
	}, {
		name: "contradicting constraints: none",
		p: shiftProblem{prefer: []int64{0, 0}, bound: []int64{unbounded, unbounded}, cons: []shiftConstraint{
			{u: 0, v: 1, limit: -10}, {u: 1, v: 0, limit: -10},
		}},
		wantOK: false,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.p.solve()
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("shifts = %v, want %v", got, tt.want)
			}
			if ok && !tt.p.satisfied(got) {
				t.Errorf("shifts %v break a constraint or bound", got)
			}
		})
	}
}
