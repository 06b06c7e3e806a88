// Fastify binds one AsyncResource callback per request body it parses
// (content-type-parser.js: `resource.bind(onDone)`). On Node 20,
// AsyncResource#bind also defines the deprecated `asyncResource` accessor on
// every bound function (DEP0172), building two `deprecate()` wrappers per
// call: about 6% of a single command's CPU on the server. Installed once at
// startup, this bind returns the same function (it runs `fn` in the
// resource's async scope, with the caller's `this` or `thisArg`, and has
// `fn`'s length) without that accessor, which nothing reads. Node versions
// whose bind no longer defines it are left alone.
import { AsyncResource } from 'node:async_hooks';

type Bindable = (...args: unknown[]) => unknown;

const nativeBind = AsyncResource.prototype.bind as (this: AsyncResource, fn: Bindable, thisArg?: unknown) => Bindable;

function definesDeprecatedAccessor(): boolean {
  const probe = new AsyncResource('ledger:probe');
  try {
    return Object.prototype.hasOwnProperty.call(nativeBind.call(probe, () => undefined), 'asyncResource');
  } finally {
    probe.emitDestroy();
  }
}

export function installLeanAsyncResourceBind(): void {
  if ((AsyncResource.prototype.bind as unknown) !== nativeBind || !definesDeprecatedAccessor()) return;
  AsyncResource.prototype.bind = function bind<Func extends Bindable>(this: AsyncResource, fn: Func, thisArg?: unknown): Func {
    if (typeof fn !== 'function') return nativeBind.call(this, fn, thisArg) as unknown as Func; // its own argument error
    const resource = this;
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : (...args: unknown[]) => resource.runInAsyncScope(fn, thisArg, ...args);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    return bound as unknown as Func;
  } as typeof AsyncResource.prototype.bind;
}
