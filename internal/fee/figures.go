package fee

// Figures are a result's fee fields as API.md writes them: strings with two
// decimals.
type Figures struct {
	BasicFee        string `json:"basic_fee"`
	ReductionFee    string `json:"reduction_fee"`
	TotalFee        string `json:"total_fee"`
	ContractorShare string `json:"contractor_share"`
	FinanceShare    string `json:"finance_share"`
	PayableNow      string `json:"payable_now"`
	PayableLater    string `json:"payable_later"`
}

// Figures returns the fee fields of r for JSON.
func (r Result) Figures() Figures {
	return Figures{
		BasicFee:        r.BasicFee.StringFixed(2),
		ReductionFee:    r.ReductionFee.StringFixed(2),
		TotalFee:        r.TotalFee.StringFixed(2),
		ContractorShare: r.ContractorShare.StringFixed(2),
		FinanceShare:    r.FinanceShare.StringFixed(2),
		PayableNow:      r.PayableNow.StringFixed(2),
		PayableLater:    r.PayableLater.StringFixed(2),
	}
}
