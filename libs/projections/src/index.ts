export { Projections } from './projections';
export type { PremiumReportLine, ClaimsReportLine, FundReportLine, EntityStates, FoldedKind } from './projections';
export { EntityHistory, HistoryMap } from './history';
export type { Evolve } from './history';
export { GeneralLedger } from './journal';
export type { TrialBalance, TrialBalanceLine } from './journal';
export { periodPoints, cumulativePoint } from './booked';
export type { Basis, Calendar } from './booked';
