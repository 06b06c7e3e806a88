// The browser of the console tests: Debian's chromium, driven by
// puppeteer-core (which downloads nothing). When it is missing and this runs
// as root on Debian, it is installed with apt-get (the package comes from
// Debian's mirrors, like every other system package of this project);
// otherwise the test fails and says how to install it. Never skipped.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;

function found(): string | undefined {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!fs.existsSync(own)) throw new Error(`CHROMIUM_PATH=${own} does not exist`);
    return own;
  }
  return CANDIDATES.find((p) => fs.existsSync(p));
}

export function chromiumPath(): string {
  const present = found();
  if (present) return present;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && fs.existsSync('/usr/bin/apt-get')) {
    process.stderr.write('console tests: Chromium is missing; installing Debian\'s chromium package (apt-get install chromium)\n');
    execFileSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: INSTALL_TIMEOUT_MS,
    });
    const installed = found();
    if (installed) return installed;
  }
  throw new Error(
    "The console tests need Chromium and could not install it. Install Debian's package (as root: apt-get update && apt-get install -y chromium) or point CHROMIUM_PATH at a Chromium or Chrome binary.",
  );
}
