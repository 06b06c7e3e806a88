import { Controller, Get, Header, Inject } from '@nestjs/common';

import { Public } from '../auth/access.decorators';
import { NotReadyError } from '../errors/api-errors';
import { Readiness } from './readiness';

@Controller('health')
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  /** The process answers: restart it if not. */
  @Public()
  @Get('live')
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Route traffic here: the log is recovered and projections are caught up. */
  @Public()
  @Get('ready')
  @Header('cache-control', 'no-store')
  ready(): { status: 'ready' } {
    if (!this.readiness.isReady()) throw new NotReadyError(`Not ready: ${this.readiness.describePending()}.`);
    return { status: 'ready' };
  }
}
