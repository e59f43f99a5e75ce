// Package inference is Gradewatch's pure-Go CNN inference engine: it loads
// ONNX models (decoded by the onnx sub-package) and runs them in float32 on
// tensors backed by gorgonia.org/tensor, with the compute kernels of the
// kernels sub-package (AVX2+FMA assembly with a pure-Go fallback).
//
// A Model is compiled once at load: operators and attributes are checked,
// initializers become shared constants, and Conv/Gemm nodes followed by a
// lone Relu apply it themselves. For each batch size the model builds a
// plan: shapes are inferred, shape subgraphs (Shape, Gather, Unsqueeze,
// Concat, Reshape, ...) are folded into constants, every intermediate
// value gets its buffer, and constant weights are packed once per model.
// Running a plan allocates nothing. Plans are pooled per batch size, so one
// Model serves many goroutines; a batch is split across SetThreads
// goroutines, in chunks whose sizes are powers of two so that few plans
// exist.
//
// Callers see the package's own types (Image, Prediction, Info, Tensor);
// gorgonia's interface{} APIs stay inside. Models using anything outside
// the supported operators, data types or attribute values are refused
// with an error wrapping ErrUnsupportedOp that names the node; malformed
// files are refused by the decoder; memory and work per plan are bounded.
//
// Classification metadata (labels, preprocessing, output kind) comes from
// the model's metadata_props (keys MetaLabels, MetaPreprocess, MetaOutput,
// MetaTemperature) or from a sidecar JSON file beside the model:
//
//	{"labels":["0",...,"9"],
//	 "preprocess":{"width":28,"height":28,"channels":1,"layout":"NCHW","scale":255,"mean":[0],"std":[1]},
//	 "output":"logits", "temperature":1}
//
// meaning model input = (pix*scale - mean)/std, and probabilities =
// softmax(logits / temperature) (temperature is optional, default 1).
package inference
