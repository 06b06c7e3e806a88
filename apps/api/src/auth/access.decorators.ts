// Route access, declared next to each handler:
//   @Roles('underwriter')      a command (admin always allowed)
//   @QueryArea('policies')     a query (the area's roles, auditor, admin)
//   @Authenticated()           any valid token (e.g. /v1/batch, which checks each command itself)
//   @Public()                  no token (health, docs)
// A route with none of them is admin-only, so a forgotten decorator fails closed.
import { SetMetadata, applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';

import { AUTHENTICATED_ACCESS, PUBLIC_ACCESS, commandAccess, queryAccess } from './roles';
import type { Area, Role } from './roles';

export const ACCESS_METADATA = 'ledger:access';
/** Fastify route config flag, read by the onRequest hook before the body is parsed. */
export const PUBLIC_ROUTE_CONFIG = 'ledgerPublic';

export const Roles = (...roles: Role[]) => SetMetadata(ACCESS_METADATA, commandAccess(...roles));

export const QueryArea = (area: Area) => SetMetadata(ACCESS_METADATA, queryAccess(area));

export const Authenticated = () => SetMetadata(ACCESS_METADATA, AUTHENTICATED_ACCESS);

/**
 * Method-level only: the flag must reach Fastify's route config, which Nest
 * takes from the handler. (A handler that also needs @RouteConfig must repeat
 * `{ ledgerPublic: true }` in it.)
 */
export const Public = (): MethodDecorator =>
  applyDecorators(SetMetadata(ACCESS_METADATA, PUBLIC_ACCESS), RouteConfig({ [PUBLIC_ROUTE_CONFIG]: true }));
