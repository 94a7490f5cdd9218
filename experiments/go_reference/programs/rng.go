package main

import "math/bits"

// rng is wyrand (a 64-bit multiply-mix generator): one add and one 128-bit multiply per
// number, no locking, so the mutator's cost is the allocation and not the RNG (unlike
// math/rand's locked global source). Each goroutine owns one.
type rng struct{ s uint64 }

func newRNG(seed uint64) rng { return rng{seed*0x9e3779b97f4a7c15 + 1} }

func (r *rng) next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn is uniform in [0, n) (Lemire's multiply-high, bias < n/2^64).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }
