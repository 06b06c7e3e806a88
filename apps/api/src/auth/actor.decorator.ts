import { createParamDecorator, ExecutionContext } from '@nestjs/common';

import type { Actor } from './roles';

/** The authenticated caller: `handle(@CurrentActor() actor: Actor)`. Set by the auth guard. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  return context.switchToHttp().getRequest<{ actor: Actor }>().actor;
});
