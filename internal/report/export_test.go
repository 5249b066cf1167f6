package report

// TurnMonth lets the service's tests run one round of the month's turn.
var TurnMonth = (*Service).turnMonth
