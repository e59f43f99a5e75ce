package config

import (
	"maps"
	"slices"

	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// This file is the one place where configuration maps to the types of the
// storage and monitor/scan packages.

// StorageTables returns the table names for storage.Open.
func (t Tables) StorageTables() storage.TableNames {
	return storage.TableNames(t)
}

// StorageSource returns the storage description of a validated source.
func (s Source) StorageSource() storage.Source {
	out := storage.Source{
		Name:             s.Name,
		Table:            s.Table,
		KeyColumn:        s.Key,
		Mode:             storage.Mode(s.Mode),
		RowversionColumn: s.Columns.RowVersion,
		SettleKeys:       s.SettleKeys,
		SettleTime:       s.SettleDuration(),
		StatusColumn:     s.Columns.Status,
		ClaimedAtColumn:  s.Columns.ClaimedAt,
		ClaimedByColumn:  s.Columns.ClaimedBy,
		LeaseTimeout:     s.LeaseDuration(),
		PayloadColumn:    s.Columns.Payload,
		MetadataColumns:  append([]string(nil), s.Metadata...),
		CreatedAtColumn:  s.Columns.CreatedAt,
	}
	if s.Layout.Kind == "points" && s.Points != nil {
		out.PayloadColumn = ""
		out.Points = &storage.PointsTable{
			Table:       s.Points.Table,
			KeyColumn:   s.Points.ScanKey,
			XColumn:     s.Points.X,
			YColumn:     s.Points.Y,
			IndexColumn: s.Points.Index,
			ValueColumn: s.Points.Value,
		}
	}
	return out
}

// ScanLayout returns the scan decoder's layout of a validated source.
func (s Source) ScanLayout() scan.Layout {
	l := scan.Layout{
		Format:     s.Layout.Kind,
		Width:      s.Width,
		Height:     s.Height,
		DType:      s.Layout.DType,
		Fill:       s.Layout.Fill,
		MaxInvalid: s.Layout.MaxInvalid,
	}
	if s.Layout.Kind == "points" && s.Points != nil {
		l.Order = scan.OrderXY
		if s.Points.Index != "" {
			l.Order = s.Points.Order
		}
	}
	n := s.Layout.Normalisation
	l.Normalize.Mode = normModes[n.Kind]
	if l.Normalize.Mode == "" {
		l.Normalize.Mode = scan.NormMinMax
	}
	switch l.Normalize.Mode {
	case scan.NormFixed:
		if n.Min != nil && n.Max != nil {
			l.Normalize.Lo, l.Normalize.Hi = *n.Min, *n.Max
		}
	case scan.NormZScore:
		l.Normalize.Sigma = n.Sigma
	}
	return l
}

// normModes maps the file's normalisation kinds to monitor/scan's modes.
var normModes = map[string]string{
	"min-max": scan.NormMinMax,
	"fixed":   scan.NormFixed,
	"z-score": scan.NormZScore,
}

// normKinds lists the file's normalisation kinds, for messages.
func normKinds() []string { return slices.Sorted(maps.Keys(normModes)) }
