package docs

import "io"

// SetPDFWriter replaces the layout of papers, so tests can make it fail.
func SetPDFWriter(s *Service, f func(io.Writer, Content) error) { s.writePDF = f }
