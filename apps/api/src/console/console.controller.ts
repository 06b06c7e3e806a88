// GET / (the console's page) and /console/assets/:consoleFile (its script and styles),
// through @fastify/static's reply.sendFile (ETag, Last-Modified, ranges).
//
// Public: the files hold no data, and the page signs in before it asks for
// any (every figure it shows comes from the API, with the session's roles).
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { Public } from '../auth/access.decorators';
import { ApiError } from '../errors/api-errors';
import { CONSOLE_CSP, CONSOLE_FILES } from './console-files';

@Controller()
export class ConsoleController {
  @Get('/')
  @Public()
  page(@Res() res: FastifyReply): Promise<void> {
    return send(res, 'index.html');
  }

  @Get('console/assets/:consoleFile')
  @Public()
  asset(@Param('consoleFile') file: string, @Res() res: FastifyReply): Promise<void> {
    return send(res, file);
  }
}

async function send(res: FastifyReply, file: string): Promise<void> {
  const type = CONSOLE_FILES.get(file);
  if (type === undefined) throw new ApiError(404, 'not_found', 'No such file of the console.');
  if (typeof (res as { sendFile?: unknown }).sendFile !== 'function') {
    throw new ApiError(404, 'not_found', 'The console is not built: run npm run build:console.');
  }
  res
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', CONSOLE_CSP)
    .header('cache-control', 'no-cache')
    .type(type);
  await res.sendFile(file);
}
