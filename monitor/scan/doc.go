// Package scan turns the payload of one scan (a 2-D matrix of measurements
// stored in a source table) into a Matrix of float32 values normalised to
// [0,1], ready to be graded and saved as an image.
//
// A Layout says how the payload is stored:
//
//   - "blob": raw little-endian numbers (uint8, uint16, float32 or float64),
//     width x height of them, row-major;
//   - "image": PNG, JPEG, BMP or TIFF bytes, converted to grey;
//   - "text": CSV numbers (one row per line; comma, semicolon, tab or space
//     separated) or a JSON array or array of arrays;
//   - "points": one Point per measured cell, either with x and y or with a
//     position index mapped row-major, column-major or serpentine.
//
// Measurements that are NaN or infinite, and cells no point was measured
// for, are filled (with the lowest valid measurement, or zero) and counted
// in the Report returned with the matrix. A scan whose share of such cells
// is above Layout.MaxInvalid is rejected with ErrTooManyInvalid.
//
// Normalisation (Layout.Normalize) maps the measurements to [0,1]:
//
//   - "minmax" (the default): per scan, lowest value to 0 and highest to 1;
//     a flat scan becomes all 0;
//   - "fixed": Lo to 0 and Hi to 1, values outside clamped;
//   - "zscore": z = (v-mean)/stddev clamped to ±Sigma (default 3), then
//     mapped linearly so -Sigma is 0, the mean 0.5 and +Sigma 1; a flat
//     scan becomes all 0.5.
//
// Decoders never panic on bad bytes: every problem is an error that names
// it, and the scan is then rejected by the caller.
package scan
