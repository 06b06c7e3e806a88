export * from './validation';
export * from './reply';
