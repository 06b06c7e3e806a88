// LEDGER_LOG=postgres://user:password@host1:5432,host2:5432/ledger?target_session_attrs=read-write
//
// libpq's multi-host form, which node-postgres does not read itself: the
// hosts are tried in order and the first that takes writes is the primary, so
// a node finds the new primary after a failover by itself. Only the
// parameters below are understood; any other is refused at startup rather
// than silently ignored. The password never appears in a message: `redacted`
// is the form every log line and error uses.
export interface LogTarget {
  hosts: { host: string; port: number }[];
  user: string | undefined;
  password: string | undefined;
  database: string;
  /** read-write (default): only a primary; any: the first that answers (read-only uses: a replay audit). */
  targetSessionAttrs: 'read-write' | 'any';
  connectTimeoutS: number;
  applicationName: string;
  ssl: boolean;
  /** The URL with its password replaced by `***`. */
  redacted: string;
}

export class LogUrlError extends Error {
  constructor(detail: string) {
    super(`LEDGER_LOG: ${detail}`);
    this.name = 'LogUrlError';
  }
}

const URL_SHAPE = /^postgres(?:ql)?:\/\/(?:([^:@/?]*)(?::([^@/?]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;
const HOSTS_MAX = 16;

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//.test(text);
}

export function parseLogUrl(text: string): LogTarget {
  const m = URL_SHAPE.exec(text);
  if (!m) throw new LogUrlError('not a postgres://user@host:port,host:port/database URL');
  const [, user, password, hostList, database, query] = m;
  const hosts = hostList.split(',').map(parseHost);
  if (hosts.length > HOSTS_MAX) throw new LogUrlError(`at most ${HOSTS_MAX} hosts`);
  const target: LogTarget = {
    hosts,
    user: user ? decodeURIComponent(user) : undefined,
    password: password !== undefined ? decodeURIComponent(password) : undefined,
    database: database ? decodeURIComponent(database) : 'postgres',
    targetSessionAttrs: 'read-write',
    connectTimeoutS: 5,
    applicationName: 'ledger-api',
    ssl: false,
    redacted: password === undefined ? text : text.replace(`:${password}@`, ':***@'),
  };
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    if (key === 'target_session_attrs') {
      if (value !== 'read-write' && value !== 'any') throw new LogUrlError(`target_session_attrs must be read-write or any, got "${value}"`);
      target.targetSessionAttrs = value;
    } else if (key === 'connect_timeout') {
      const s = Number(value);
      if (!/^[0-9]{1,3}$/.test(value) || s < 1) throw new LogUrlError(`connect_timeout must be 1-999 seconds, got "${value}"`);
      target.connectTimeoutS = s;
    } else if (key === 'application_name') {
      target.applicationName = value.slice(0, 63);
    } else if (key === 'sslmode') {
      if (value !== 'disable' && value !== 'require') throw new LogUrlError(`sslmode must be disable or require, got "${value}"`);
      target.ssl = value === 'require';
    } else {
      throw new LogUrlError(`unknown parameter "${key}" (known: target_session_attrs, connect_timeout, application_name, sslmode)`);
    }
  }
  return target;
}

function parseHost(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/.exec(text);
  if (!m) throw new LogUrlError(`bad host "${text}"`);
  const port = m[2] === undefined ? 5432 : Number(m[2]);
  if (port < 1 || port > 65535) throw new LogUrlError(`bad port in "${text}"`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
