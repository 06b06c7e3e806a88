/**
 * Preloaded into the server by `api-bench --profile <dir>` (node -r): a V8 CPU
 * profiler, started at once. Each SIGUSR2 writes the profile since the last one
 * to <dir>/<n>.cpuprofile (n = 1, 2, ...) and starts the next (node's own
 * --cpu-prof writes only on a normal exit, and the server ends on a signal).
 * Open a .cpuprofile in Chrome DevTools or speedscope.
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';

const dir = process.env.API_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let written = 0;
  session.post('Profiler.enable', () => {
    session.post('Profiler.setSamplingInterval', { interval: Number(process.env.API_BENCH_PROFILE_US ?? 250) }, () => {
      session.post('Profiler.start');
    });
  });
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) process.stderr.write(`api-profile: ${err.message}\n`);
      else {
        const file = path.join(dir, `${++written}.cpuprofile`);
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
        fs.renameSync(`${file}.tmp`, file);
      }
      session.post('Profiler.start'); // after writing: the next profile does not include this one's serialization
    });
  });
}
