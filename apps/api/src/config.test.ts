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
