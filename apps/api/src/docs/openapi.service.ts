// The routes the app mounts, read from the controllers Nest discovered (their
// path and method metadata, and the access the guard enforces), and the
// OpenAPI document built from them once, on first use.
import { Inject, Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

import { ACCESS_METADATA } from '../auth/access.decorators';
import { UNDECLARED_ACCESS, type Access } from '../auth/roles';
import { buildOpenApi, type MountedRoute, type OpenApiDocument } from './openapi';
import { commandRoutes } from './operations';

@Injectable()
export class OpenApiService {
  private built?: { document: OpenApiDocument; json: string };

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  /** Every route of every controller: method, path as declared (`/v1/policies/:policyId`), access. */
  routes(): MountedRoute[] {
    const routes: MountedRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance) continue;
      const bases = asArray(Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue; // not a route handler
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const access =
          (Reflect.getMetadata(ACCESS_METADATA, handler) as Access | undefined) ?? (Reflect.getMetadata(ACCESS_METADATA, metatype) as Access | undefined) ?? UNDECLARED_ACCESS;
        for (const base of bases) for (const path of asArray(paths)) routes.push({ method, path: joinPath(base, path), access, handler: `${metatype.name}.${name}` });
      }
    }
    return routes;
  }

  document(): OpenApiDocument {
    return this.build().document;
  }

  /** The document as sent: serialized once. */
  json(): string {
    return this.build().json;
  }

  private build(): { document: OpenApiDocument; json: string } {
    if (!this.built) {
      const document = buildOpenApi(this.routes(), commandRoutes());
      this.built = { document, json: JSON.stringify(document) };
    }
    return this.built;
  }
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [''] : Array.isArray(value) ? value : [value];
}

/** As Nest joins a controller's path and a handler's: one slash between, one in front, none behind. */
function joinPath(base: string, path: string): string {
  const parts = [base, path].map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return `/${parts.join('/')}`;
}
