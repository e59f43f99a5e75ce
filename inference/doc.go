// Package inference is Gradewatch's pure-Go CNN inference engine: it loads
// ONNX models and runs them on float32 tensors backed by gorgonia.org/tensor.
package inference
