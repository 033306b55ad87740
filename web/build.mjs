// Builds the web UI into dist/: the app bundled with its npm packages
// (asciinema-player, uPlot) by esbuild, their CSS, and index.html. Run by
// web/build.sh at `oyster setup`; oyster run serves dist/ (docs/web.md).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const out = new URL('./dist/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out + 'assets', { recursive: true });
await build({
  entryPoints: ['src/app.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  outfile: out + 'assets/app.js',
  logLevel: 'warning',
});
cpSync('src/index.html', out + 'index.html');
cpSync('src/style.css', out + 'assets/style.css');
cpSync('node_modules/asciinema-player/dist/bundle/asciinema-player.css', out + 'assets/asciinema-player.css');
cpSync('node_modules/uplot/dist/uPlot.min.css', out + 'assets/uPlot.min.css');
console.log('web UI built in ' + out);
