package scheduler

import "container/heap"

// podHeap is a heap of queued pods under an ordering, with removal by key.
type podHeap struct {
	items []*queuedPod
	less  func(a, b *queuedPod) bool
	index map[string]int
}

func newPodHeap(less func(a, b *queuedPod) bool) *podHeap {
	return &podHeap{less: less, index: map[string]int{}}
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[h.items[i].key], h.index[h.items[j].key] = i, j
}
func (h *podHeap) Push(x any) {
	qp := x.(*queuedPod)
	h.index[qp.key] = len(h.items)
	h.items = append(h.items, qp)
}
func (h *podHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	delete(h.index, last.key)
	return last
}

// add inserts qp, or re-positions it if its key is present.
func (h *podHeap) add(qp *queuedPod) {
	if i, ok := h.index[qp.key]; ok {
		h.items[i] = qp
		heap.Fix(h, i)
		return
	}
	heap.Push(h, qp)
}

func (h *podHeap) get(key string) *queuedPod {
	if i, ok := h.index[key]; ok {
		return h.items[i]
	}
	return nil
}

func (h *podHeap) remove(key string) *queuedPod {
	i, ok := h.index[key]
	if !ok {
		return nil
	}
	return heap.Remove(h, i).(*queuedPod)
}

func (h *podHeap) peek() *queuedPod {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *podHeap) pop() *queuedPod {
	if len(h.items) == 0 {
		return nil
	}
	return heap.Pop(h).(*queuedPod)
}
