// GET /docs (Swagger UI), /docs/openapi.json (the document), /docs/assets/:file.
//
// Public, like most APIs' references: the document holds no data, only the
// contract (api.md is no secret), clients need it before they hold a token,
// and every operation it describes still demands one. It is built once and
// served from memory, so it is no cheaper way to load the server than /health.
import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../auth/access.decorators';
import { ApiError } from '../errors/api-errors';
import { OpenApiService } from './openapi.service';
import { DOCS_CSP, DOCS_PAGE, SwaggerUiAssets } from './swagger-ui';

@Controller('docs')
export class DocsController {
  constructor(
    @Inject(OpenApiService) private readonly openApi: OpenApiService,
    @Inject(SwaggerUiAssets) private readonly assets: SwaggerUiAssets,
  ) {}

  @Get()
  @Public()
  page(@Res() res: FastifyReply): void {
    void securityHeaders(res).header('content-security-policy', DOCS_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(DOCS_PAGE);
  }

  @Get('openapi.json')
  @Public()
  document(@Res() res: FastifyReply): void {
    void securityHeaders(res).header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(this.openApi.json());
  }

  @Get('assets/:file')
  @Public()
  asset(@Param('file') file: string, @Req() req: FastifyRequest, @Res() res: FastifyReply): void {
    const asset = this.assets.get(file);
    if (!asset) throw new ApiError(404, 'not_found', 'No such file of the docs UI.');
    securityHeaders(res).header('cache-control', 'public, max-age=86400').header('vary', 'accept-encoding').type(asset.type);
    if (asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) void res.header('content-encoding', 'gzip').send(asset.gzip);
    else void res.send(asset.body);
  }
}

function securityHeaders(res: FastifyReply): FastifyReply {
  return res.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}
