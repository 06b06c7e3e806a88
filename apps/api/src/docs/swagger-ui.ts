// The docs UI: Swagger UI from the swagger-ui-dist package, served by this
// server (no CDN, works offline). Only the files named here are served (no
// path from the request ever reaches the file system); each is read once,
// kept in memory, and gzipped once for clients that take gzip.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The page and its init script use relative URLs, so the UI works under any path prefix (a proxy). */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Insurance and pension ledger API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>The API reference needs JavaScript. The OpenAPI document itself is at <a href="docs/openapi.json">docs/openapi.json</a>.</noscript>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/init.js"></script>
</body>
</html>
`;

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'docs/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    displayOperationId: true,
  });
});
`;

/** Scripts only from here, no inline script, nothing fetched from elsewhere. Swagger UI sets inline styles. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface AssetSource {
  type: string;
  /** A file of swagger-ui-dist, or the text itself. */
  file?: string;
  text?: string;
}

const SOURCES: Readonly<Record<string, AssetSource>> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { type: 'image/png', file: 'favicon-16x16.png' },
  'init.js': { type: 'text/javascript; charset=utf-8', text: INIT_SCRIPT },
};

export interface Asset {
  type: string;
  body: Buffer;
  /** Present when gzip saves something. */
  gzip?: Buffer;
}

export class SwaggerUiAssets {
  private readonly loaded = new Map<string, Asset>();
  private dir?: string;

  /** The asset named `name`, or undefined for anything not in the list. */
  get(name: string): Asset | undefined {
    if (!Object.prototype.hasOwnProperty.call(SOURCES, name)) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      const source = SOURCES[name];
      const body = source.text !== undefined ? Buffer.from(source.text) : fs.readFileSync(path.join(this.distDir(), source.file!));
      const gzip = source.type.startsWith('image/') ? undefined : gzipSync(body, { level: 9 });
      asset = { type: source.type, body, gzip: gzip && gzip.length < body.length ? gzip : undefined };
      this.loaded.set(name, asset);
    }
    return asset;
  }

  static names(): string[] {
    return Object.keys(SOURCES);
  }

  private distDir(): string {
    this.dir ??= path.dirname(require.resolve('swagger-ui-dist/package.json'));
    return this.dir;
  }
}
