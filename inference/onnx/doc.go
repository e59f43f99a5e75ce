// Package onnx decodes ONNX model files (ModelProto) and tensor files
// (TensorProto, as in the ONNX test data sets) into plain Go structs.
//
// The decoder is hand-written on google.golang.org/protobuf/encoding/protowire
// and treats its input as hostile: every length and count is checked against
// the bytes that remain and against fixed limits, protobuf groups are refused
// (ONNX never uses them, and they would allow unbounded recursion), and
// nested graphs in attributes are recorded but not decoded. A malformed file
// yields an error naming the message and field, never a panic.
package onnx
