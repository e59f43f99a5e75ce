package kernels

import "math"

// Softmax replaces each row of a rows x cols row-major matrix with its
// softmax, exp(x - max) / sum, computed in float64 for the sum. A row that
// contains NaN becomes all NaN. It does not allocate.
func Softmax(rows, cols int, x []float32) {
	x = x[:rows*cols]
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		m := float32(math.Inf(-1))
		for _, v := range row {
			m = max32(m, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - m))
			row[j] = float32(e)
			sum += e
		}
		inv := 1 / sum
		for j := range row {
			row[j] = float32(float64(row[j]) * inv)
		}
	}
}
