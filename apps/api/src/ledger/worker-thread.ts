// Starting the server's worker threads (the replay audit's, the apply
// thread) from the compiled server and from the TypeScript sources alike.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Under ts-jest the sources run as TypeScript, which a worker thread (plain
 * Node, outside jest's module system) cannot load: there the worker first
 * installs a require hook that transpiles each .ts file it loads
 * (typescript's transpileModule, a dev dependency) and maps the @app/*
 * aliases of tsconfig.json. Transpiled files are kept in a cache under the
 * temp directory, keyed by their source and the tsconfig, so a suite that
 * starts many servers (each with its apply thread) loads the compiler once,
 * not per thread. The compiled server (dist/) loads the .js worker directly.
 */
const TYPESCRIPT_BOOTSTRAP = `
const Module = require('node:module');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const { root, entry } = workerData.typescript;
const configText = fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8');
const compilerOptions = JSON.parse(configText).compilerOptions;
const aliases = new Map(Object.entries(compilerOptions.paths || {}).map(([name, targets]) => [name, path.join(root, targets[0])]));
const cacheDir = path.join(os.tmpdir(), 'ledger-worker-ts-cache');
const tsVersion = Module.createRequire(path.join(root, 'package.json'))('typescript/package.json').version;
let compile = null;
function compiler() {
  if (compile) return compile;
  const ts = Module.createRequire(path.join(root, 'package.json'))('typescript');
  const { options } = ts.convertCompilerOptionsFromJson(compilerOptions, root);
  Object.assign(options, { module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false });
  compile = (source, fileName) => ts.transpileModule(source, { compilerOptions: options, fileName }).outputText;
  return compile;
}
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases.get(request) || request, ...rest);
};
Module._extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(tsVersion).update('\\0').update(configText).update('\\0').update(filename).update('\\0').update(source).digest('hex');
  const cached = path.join(cacheDir, key + '.js');
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = compiler()(source, filename);
    const temporary = cached + '.' + process.pid + '.' + Math.random().toString(16).slice(2);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(temporary, output);
      fs.renameSync(temporary, cached);
    } catch {
      // No cache (a read-only temp directory): transpiled again next time.
    }
  }
  module._compile(output, filename);
};
require(entry);
`;

function repoRootOf(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'tsconfig.json'))) return d;
    if (path.dirname(d) === d) throw new Error(`no tsconfig.json above ${dir}`);
  }
}

/**
 * A worker thread running `<dir>/<file>` (.js, or .ts under ts-jest) with
 * `data` as its workerData (the key `typescript` is the bootstrap's).
 */
export function spawnWorker(dir: string, file: string, data: Record<string, unknown>): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(dir, `${file}${ext}`);
  if (ext !== '.ts') return new Worker(entry, { workerData: data });
  return new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: { ...data, typescript: { root: repoRootOf(dir), entry } } });
}
