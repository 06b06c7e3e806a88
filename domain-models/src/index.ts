export * from './shared/decimal';
export * from './shared/dates';
export * from './shared/ids';
export * from './shared/errors';
export * from './shared/journal';
export * from './shared/events';
export * from './ledger/periods';
