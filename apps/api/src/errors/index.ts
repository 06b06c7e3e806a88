export * from './api-errors';
export * from './problem';
export { ProblemFilter, sendProblem } from './problem.filter';
