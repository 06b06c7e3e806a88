export * from './roles';
export { Roles, QueryArea, Authenticated, Public, ACCESS_METADATA } from './access.decorators';
export { AuthGuard } from './auth.guard';
export type { AuthenticatedRequest } from './auth.guard';
export { CurrentActor } from './actor.decorator';
export { TokenRegistry, TokensFileError, loadTokens, ADMIN_TOKEN_FILE } from './tokens';
export type { LoadedTokens } from './tokens';
