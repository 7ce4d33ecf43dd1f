// The baseline: a bare uWebSockets.js server answering every GET with a 302, loaded through
// clickrelay's own loader so both sides run the same native build.
import { loadUws, describeBuild } from '../dist/http/uws.js';

const port = Number(process.argv[2] ?? 8090);
const { uws, build } = loadUws({ allowJsFallback: false });
uws
  .App()
  .get('/*', (res) => {
    res.writeStatus('302 Found').writeHeader('Location', 'https://example.com/').writeHeader('Cache-Control', 'private, no-store').end();
  })
  .listen('127.0.0.1', port, (ok) => {
    if (!ok) process.exit(1);
    process.stdout.write(`bare uws listening on ${port}: ${describeBuild(build)}\n`);
  });
