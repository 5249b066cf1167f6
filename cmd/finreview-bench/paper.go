package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"finreview/internal/docs"
	"finreview/internal/store"
)

// benchPaper renders an official paper with its CJK text as PDF, the way
// the papers are issued: a three-page 评审结论 with its tables, in the Song
// and Hei faces embedded as subsets. The first render, which also unpacks
// the embedded Song font, goes to the note; the figure is the p95 of the
// renders after it.
func benchPaper(ctx context.Context) ([]result, error) {
	d := decimal.RequireFromString
	c := docs.BuildContent(docs.PaperInput{Kind: docs.PaperConclusion, DocNumber: "巴财评〔2026〕15号",
		At: time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		Review: store.Review{Kind: "settlement", UnitName: "巴彦淖尔市临河区民政局", FirmName: "内蒙古正信工程造价咨询有限公司",
			SubmittedAmount: d("8650000.00"), ReviewChange: store.ReviewChange{AuditedAmount: decimal.NullDecimal{Decimal: d("8291734.56"), Valid: true}}},
		Project: store.Project{Name: "临河区养老服务中心建设项目", Code: "LH-2026-002", FundingSource: "special_bond",
			Category: "capital", ApprovedEstimate: d("9200000.00")},
		Jurisdiction: store.Jurisdiction{Name: "市本级", IsCity: true}})
	var buf bytes.Buffer
	render := func() (time.Duration, error) {
		buf.Reset()
		start := time.Now()
		if err := docs.WritePDF(&buf, c); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
	first, err := render()
	if err != nil {
		return nil, err
	}
	var ds []time.Duration
	deadline := time.Now().Add(30 * time.Second)
	for len(ds) < 60 && time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		dur, err := render()
		if err != nil {
			return nil, err
		}
		ds = append(ds, dur)
	}
	p95 := percentile(ds, 0.95)
	note := fmt.Sprintf("(%d renders of a %d-byte conclusion; median %.0f ms, first %.0f ms)", len(ds), buf.Len(),
		float64(percentile(ds, 0.5).Microseconds())/1000, float64(first.Microseconds())/1000)
	return []result{{"paper_pdf_p95_ms", fmt.Sprintf("%.0f", float64(p95.Microseconds())/1000), "ms", note}}, nil
}
