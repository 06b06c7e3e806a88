// Builds the console into dist/console: one script bundled and minified by
// esbuild (the chart library tree-shaken to the charts used), its page and its
// styles. Prints the sizes. Nothing is fetched: everything comes from
// node_modules and this folder.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const out = path.join(root, 'dist', 'console');

fs.mkdirSync(out, { recursive: true });
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'src', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css']) fs.copyFileSync(path.join(__dirname, 'src', file), path.join(out, file));
const sizes = ['index.html', 'app.js', 'app.css'].map((file) => {
  const body = fs.readFileSync(path.join(out, file));
  return `${file} ${(body.length / 1024).toFixed(1)} KiB (${(zlib.gzipSync(body).length / 1024).toFixed(1)} KiB gzipped)`;
});
console.log(`console built in ${path.relative(root, out)}: ${sizes.join(', ')}`);
