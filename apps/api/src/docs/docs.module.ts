import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';

import { DocsController } from './docs.controller';
import { OpenApiService } from './openapi.service';
import { SwaggerUiAssets } from './swagger-ui';

/** The OpenAPI document of the mounted routes and its UI, at /docs. */
@Module({
  imports: [DiscoveryModule],
  controllers: [DocsController],
  providers: [OpenApiService, { provide: SwaggerUiAssets, useValue: new SwaggerUiAssets() }],
  exports: [OpenApiService],
})
export class DocsModule {}
