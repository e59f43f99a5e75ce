package inference

import (
	"context"
	"sync"
)

// share is the part of a batch that one helper goroutine of Infer runs.
// It lives for one call only: ctx is carried in it because handing
// arguments to a goroutine would allocate a closure on every call.
type share struct {
	m       *Model
	ctx     context.Context
	in, out []float32
	lo, hi  int
	err     error
	done    *sync.WaitGroup
	run     func() // s.work bound once, so that "go s.run()" does not allocate
}

func (s *share) work() {
	defer s.done.Done()
	s.err = s.m.inferRange(s.ctx, s.in, s.out, s.lo, s.hi)
	s.ctx, s.in, s.out = nil, nil, nil // keep nothing alive between calls
}

// fanout is the reusable state of one multi-threaded Infer call. The
// helper goroutines it starts end before Infer returns.
type fanout struct {
	wg     sync.WaitGroup
	shares []*share
}

// getFanout takes a fanout with at least n shares from the model's free
// list.
func (m *Model) getFanout(n int) *fanout {
	m.mu.Lock()
	var f *fanout
	if k := len(m.fanouts); k > 0 {
		f = m.fanouts[k-1]
		m.fanouts = m.fanouts[:k-1]
	}
	m.mu.Unlock()
	if f == nil {
		f = &fanout{}
	}
	for len(f.shares) < n {
		s := &share{m: m, done: &f.wg}
		s.run = s.work
		f.shares = append(f.shares, s)
	}
	return f
}

func (m *Model) putFanout(f *fanout) {
	m.mu.Lock()
	m.fanouts = append(m.fanouts, f)
	m.mu.Unlock()
}

// inferShared runs images [0, batch) split evenly across t goroutines,
// the calling one included.
func (m *Model) inferShared(ctx context.Context, in, out []float32, batch, t int) error {
	f := m.getFanout(t - 1)
	per := (batch + t - 1) / t
	for w := 1; w < t; w++ {
		s := f.shares[w-1]
		s.ctx, s.in, s.out = ctx, in, out
		s.lo, s.hi = min(w*per, batch), min((w+1)*per, batch)
		s.err = nil
		f.wg.Add(1)
		go s.run()
	}
	err := m.inferRange(ctx, in, out, 0, min(per, batch))
	f.wg.Wait()
	for w := 1; w < t && err == nil; w++ {
		err = f.shares[w-1].err
	}
	m.putFanout(f)
	return err
}
