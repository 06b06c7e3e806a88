// Domain outcomes that refuse a command. Only controllers map them to HTTP.

/** The 422 codes of api.md: a domain rule would break. */
export type InvariantCode =
  | 'payment_exceeds_reserve'
  | 'reserve_negative'
  | 'nav_not_published'
  /** A dealing (contribution, switch, fee) dated before a NAV its fund has already struck: that later NAV closed the date's dealings (forward pricing). */
  | 'dealing_date_closed'
  | 'insufficient_units'
  | 'policy_not_active'
  | 'claim_not_open'
  /** Reopening a claim that is not closed. */
  | 'claim_not_closed'
  /** Recoveries on a claim above what was paid on it, on some date. */
  | 'recovery_exceeds_paid'
  | 'effective_date_outside_term'
  | 'entity_exists'
  | 'currency_mismatch'
  | 'premium_negative'
  /** A premium payment larger than what the holder owes (the premium balance). */
  | 'payment_exceeds_balance'
  /** A premium refund larger than what the ledger owes the holder (a credit balance). */
  | 'refund_exceeds_balance'
  /** A deal whose money rounds to 0.00 or whose units round to 0.000000 (a contribution, a switch). */
  | 'amount_too_small'
  /** A fee settlement larger than the fees payable on its date (or a later one). */
  | 'settlement_exceeds_fees_payable'
  /** A NAV correction of a valuation the fund has struck a later NAV since. */
  | 'valuation_superseded'
  /** A NAV correction of a NAV a fee was charged at (every holding's fee would move). */
  | 'correction_not_supported'
  /** A reversal of a command that was reversed already. */
  | 'already_reversed'
  /** A reversal of a command that moved no money a reversal may undo (unknown, refused, a bind, a reversal...). */
  | 'not_reversible'
  /** Not a business rule but a limit of the ledger: the command's events do not fit one log record. */
  | 'command_too_large'
  /** A computed figure (a fee, a switch amount, a value) past what the ledger stores: money, units and NAVs up to 18 integer digits. */
  | 'amount_out_of_range';

export class DomainError extends Error {
  constructor(
    readonly code: InvariantCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** An unknown policy, claim, member, fund or period. */
export class NotFoundError extends Error {
  readonly code = 'not_found';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** Closing a month that is already closed. */
export class PeriodAlreadyClosedError extends Error {
  readonly code = 'period_already_closed';
  constructor(readonly period: string) {
    super(`period ${period} is already closed`);
    this.name = 'PeriodAlreadyClosedError';
  }
}
