// The environment settings that choose how the ledger runs: a bad value stops
// startup with a message naming the setting, never a silent default.
import { loadConfig } from './config';

test('LEDGER_APPLY_THREAD: on by default, on or off when set, anything else refused', () => {
  expect(loadConfig({}).applyThread).toBe(true);
  expect(loadConfig({ LEDGER_APPLY_THREAD: 'on' }).applyThread).toBe(true);
  expect(loadConfig({ LEDGER_APPLY_THREAD: 'OFF' }).applyThread).toBe(false);
  expect(() => loadConfig({ LEDGER_APPLY_THREAD: 'yes' })).toThrow('LEDGER_APPLY_THREAD must be on or off, got "yes"');
});

test('LEDGER_CACHE_ENTITIES: a whole number of at least 100', () => {
  expect(loadConfig({ LEDGER_CACHE_ENTITIES: '1000' }).cacheEntities).toBe(1000);
  expect(() => loadConfig({ LEDGER_CACHE_ENTITIES: '10' })).toThrow(/LEDGER_CACHE_ENTITIES/);
});

test('LEDGER_LOG: the embedded WAL by default or as "wal", a postgres:// URL (checked), anything else refused; LEDGER_LOG_SINGLE_NODE only with a URL', () => {
  expect(loadConfig({}).log).toEqual({ kind: 'wal' });
  expect(loadConfig({ LEDGER_LOG: 'wal' }).log).toEqual({ kind: 'wal' });
  const url = 'postgres://ledger:pw@db1:5432,db2:5432/ledger?target_session_attrs=read-write';
  expect(loadConfig({ LEDGER_LOG: url }).log).toEqual({ kind: 'postgres', url, singleNode: false });
  expect(loadConfig({ LEDGER_LOG: url, LEDGER_LOG_SINGLE_NODE: 'on' }).log).toEqual({ kind: 'postgres', url, singleNode: true });
  expect(() => loadConfig({ LEDGER_LOG: 'mysql://x' })).toThrow('LEDGER_LOG must be wal or a postgres:// URL');
  expect(() => loadConfig({ LEDGER_LOG: 'postgres://db/ledger?pool=9' })).toThrow(/LEDGER_LOG: unknown parameter "pool"/);
  expect(() => loadConfig({ LEDGER_LOG_SINGLE_NODE: 'on' })).toThrow(/LEDGER_LOG_SINGLE_NODE is for a PostgreSQL log/);
  expect(() => loadConfig({ LEDGER_LOG: url, LEDGER_LOG_SINGLE_NODE: 'maybe' })).toThrow('LEDGER_LOG_SINGLE_NODE must be on or off, got "maybe"');
});
